// GET /v1/models and /v1/models/:id: the upstream's list with the policy's virtual models (e.g.
// `auto`) added on the first page, so Claude Code's and other pickers can offer them.

import type { FastifyInstance } from 'fastify'
import type { CompiledPolicy } from '../../policy/types.js'
import { isRecord } from '../../types/anthropic.js'
import { NO_BODY, forwardBuffered, sendAnswer } from '../proxy-buffered.js'
import type { RouteDeps } from '../route-deps.js'

/** Fixed date for synthesised entries: stable across restarts, so clients' caches stay valid. */
const VIRTUAL_CREATED_AT = '2025-01-01T00:00:00Z'

function virtualModelInfo (model: CompiledPolicy['virtualModels'][number]): Record<string, unknown> {
  return { type: 'model', id: model.id, display_name: model.displayName, created_at: VIRTUAL_CREATED_AT, ...(model.description === undefined ? {} : { description: model.description }) }
}

export async function modelsRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/v1/models', async function listModels (request, reply) {
    const answer = await forwardBuffered(request, reply, deps, NO_BODY)
    const query = request.query as Record<string, string | undefined>
    const firstPage = query.after_id === undefined && query.before_id === undefined
    const virtual = request.gw.config.policy.virtualModels
    if (!firstPage || virtual.length === 0) return sendAnswer(reply, answer)
    return sendAnswer(reply, answer, (page) => {
      if (!isRecord(page) || !Array.isArray(page.data)) return page
      const upstreamIds = new Set(page.data.map((entry) => (isRecord(entry) ? entry.id : undefined)))
      const added = virtual.filter((model) => !upstreamIds.has(model.id)).map(virtualModelInfo)
      return { ...page, data: [...added, ...page.data], first_id: added[0]?.id ?? page.first_id }
    })
  })

  app.get('/v1/models/:id', async function getModel (request, reply) {
    const { id } = request.params as { id: string }
    const virtual = request.gw.config.policy.virtualModels.find((model) => model.id === id)
    if (virtual !== undefined) return reply.header('x-gateway-request-id', request.id).send(virtualModelInfo(virtual))
    return sendAnswer(reply, await forwardBuffered(request, reply, deps, NO_BODY))
  })
}
