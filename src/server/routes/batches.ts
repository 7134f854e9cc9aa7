// Message batches. Creating one applies the policy to every `requests[].params`; every batch object
// going back has its absolute `results_url` pointed at the gateway, because the SDK follows that URL
// directly and would otherwise bypass the gateway.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { GatewayError } from '../../errors.js'
import { parseJsonBody, parseMessagesRequest } from '../../messages/parse-request.js'
import { isRecord } from '../../types/anthropic.js'
import { planRoute } from '../route-plan.js'
import { NO_BODY, forwardBuffered, sendAnswer } from '../proxy-buffered.js'
import { isoDateOf } from '../outcome-builder.js'
import type { RouteDeps } from '../route-deps.js'
import { rewriteResultsUrls } from '../results-url.js'

/** Batches may be far larger than single messages (the API accepts 256 MB). */
export const BATCH_BODY_LIMIT_BYTES = 256 * 1024 * 1024

export async function batchesRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const publicOrigin = (request: FastifyRequest): string =>
    deps.publicUrl ?? request.gw.config.publicUrl ?? `${request.protocol}://${request.host}`

  app.post('/v1/messages/batches', { bodyLimit: BATCH_BODY_LIMIT_BYTES }, async function createBatch (request, reply) {
    const body = parseJsonBody(request.body as string)
    if (!isRecord(body) || !Array.isArray(body.requests)) {
      throw new GatewayError('TL_ERR_INVALID_REQUEST', 'requests: Field required (an array of {custom_id, params}).')
    }
    const isoDate = isoDateOf(deps.now())
    const requests = body.requests.map((entry, i) => {
      if (!isRecord(entry)) throw new GatewayError('TL_ERR_INVALID_REQUEST', `requests.${i}: must be an object.`)
      const params = withPath(`requests.${i}.params`, () => parseMessagesRequest(entry.params))
      // A batch cannot fall back mid-flight, so only the decided target is used.
      const plan = planRoute(params, '', request.headers, request.gw.config, deps.random(), isoDate)
      return plan.outgoing === params ? entry : { ...entry, params: plan.outgoing }
    })
    const outgoing = JSON.stringify({ ...body, requests })
    const answer = await forwardBuffered(request, reply, deps, [{ model: '', body: () => outgoing }])
    return sendAnswer(reply, answer, (json) => rewriteResultsUrls(json, publicOrigin(request)))
  })

  const relayWithRewrite = async function relayBatchObject (request: FastifyRequest, reply: Parameters<typeof sendAnswer>[0]) {
    const answer = await forwardBuffered(request, reply, deps, NO_BODY)
    return sendAnswer(reply, answer, (json) => rewriteResultsUrls(json, publicOrigin(request)))
  }
  app.get('/v1/messages/batches', relayWithRewrite)
  app.get('/v1/messages/batches/:id', relayWithRewrite)
  app.post('/v1/messages/batches/:id/cancel', relayWithRewrite)
  app.delete('/v1/messages/batches/:id', relayWithRewrite)
}

function withPath<T> (path: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof GatewayError) throw new GatewayError(err.code, `${path}.${err.message}`)
    throw err
  }
}
