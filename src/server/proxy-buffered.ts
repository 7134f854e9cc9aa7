// Edge. Forwards a small request upstream and returns the upstream answer as it is, optionally
// letting the caller rewrite a successful JSON body (virtual models, batch results_url).

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Candidate, ForwardResult } from '../upstream/forward.js'
import { forwardWithFallback } from '../upstream/forward.js'
import { clientResponseHeaders, upstreamRequestHeaders } from '../upstream/headers.js'
import { readBody } from '../upstream/read-body.js'
import { clientGoneOf } from './request-context.js'
import type { RouteDeps } from './route-deps.js'

export interface BufferedAnswer {
  forwarded: ForwardResult
  status: number
  headers: Record<string, string | string[]>
  text: string
}

export async function forwardBuffered (
  request: FastifyRequest,
  reply: FastifyReply,
  deps: RouteDeps,
  candidates: readonly Candidate[]
): Promise<BufferedAnswer> {
  const forwarded = await forwardWithFallback(deps.upstream, request.gw.config.upstream, {
    method: request.method,
    path: request.url,
    headers: upstreamRequestHeaders(request.headers, { bodyReplaced: true, readsResponse: true }),
    signal: clientGoneOf(request)
  }, candidates, deps.resilience)
  const text = (await readBody(forwarded.response.body)).toString('utf8')
  return { forwarded, status: forwarded.response.statusCode, headers: clientResponseHeaders(forwarded.response.headers, { bodyReplaced: true }), text }
}

/** A body-less request (GET, DELETE, POST …/cancel) has one candidate with no body. */
export const NO_BODY: readonly Candidate[] = [{ model: '', body: () => null }]

/** Rewrites a successful JSON answer with `edit`; anything else goes back byte for byte. */
export function sendAnswer (reply: FastifyReply, answer: BufferedAnswer, edit?: (json: unknown) => unknown): FastifyReply {
  let text = answer.text
  if (edit !== undefined && answer.status >= 200 && answer.status < 300) {
    try {
      text = JSON.stringify(edit(JSON.parse(text)))
    } catch {
      // Not JSON after all: hand it back untouched rather than fail the request.
    }
  }
  return reply.code(answer.status).headers(answer.headers).send(text)
}
