// POST /v1/messages/count_tokens: the same policy rewrite as /v1/messages, since tokenizers
// differ by model.

import type { FastifyInstance } from 'fastify'
import { parseJsonBody, parseMessagesRequest } from '../../messages/parse-request.js'
import { isGatewayError } from '../../errors.js'
import { planRoute } from '../route-plan.js'
import { forwardBuffered, sendAnswer } from '../proxy-buffered.js'
import { gatewayHeaders } from '../gateway-headers.js'
import { isoDateOf, newOutcome, secondsSince } from '../outcome-builder.js'
import type { RouteDeps } from '../route-deps.js'
import { CLIENT_CLOSED_STATUS } from '../outcome.js'
import { hopsBefore } from '../../upstream/forward.js'

export async function countTokensRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.post('/v1/messages/count_tokens', async function handleCountTokens (request, reply) {
    const body = parseMessagesRequest(parseJsonBody(request.body as string), 'count_tokens')
    const isoDate = isoDateOf(deps.now())
    const plan = planRoute(body, request.body as string, request.headers, request.gw.config, deps.random(), isoDate)
    const outcome = newOutcome('count_tokens', request, body, plan.decision, isoDate)
    try {
      const answer = await forwardBuffered(request, reply, deps, plan.candidates)
      outcome.status = answer.status
      outcome.routedModel = answer.forwarded.model
      outcome.fallbacks = answer.forwarded.fallbacks
      reply.headers(gatewayHeaders(request.id, plan.decision, answer.forwarded.model, null, answer.forwarded.fallbacks))
      return sendAnswer(reply, answer)
    } catch (err) {
      outcome.status = request.gw.clientGone?.aborted === true ? CLIENT_CLOSED_STATUS : isGatewayError(err) ? err.status : 500
      outcome.fallbacks = hopsBefore(err)
      throw err
    } finally {
      outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
      outcome.upstreamSeconds = outcome.durationSeconds
      deps.outcomes.record(outcome)
    }
  })
}
