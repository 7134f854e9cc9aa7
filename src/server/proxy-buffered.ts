// Edge. Forwards a small request upstream and returns the upstream answer as it is, optionally
// letting the caller rewrite a successful JSON body (virtual models, batch results_url). An answer
// larger than the upstream buffer limit is relayed as it comes, unedited.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Candidate, ForwardResult } from '../upstream/forward.js'
import { forwardWithFallback } from '../upstream/forward.js'
import { clientResponseHeaders, upstreamRequestHeaders } from '../upstream/headers.js'
import { readBodyUpTo } from '../upstream/read-body.js'
import { clientGoneOf } from './request-context.js'
import type { RouteDeps } from './route-deps.js'

export interface BufferedAnswer {
  forwarded: ForwardResult
  status: number
  headers: Record<string, string | string[]>
  /** The whole answer; null when it was larger than the buffer limit and is relayed unread (`forwarded.response.body`). */
  text: string | null
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
  const body = forwarded.response.body
  const contentLength = forwarded.response.headers['content-length']
  const read = await readBodyUpTo(body, deps.upstreamBufferLimitBytes, typeof contentLength === 'string' ? Number(contentLength) : Number.NaN)
  const headers = clientResponseHeaders(forwarded.response.headers, { bodyReplaced: true })
  if (read.complete) return { forwarded, status: forwarded.response.statusCode, headers, text: read.bytes.toString('utf8') }
  // Past the limit: what was read goes back in front of the rest, and all of it is relayed.
  for (let i = read.head.length - 1; i >= 0; i--) body.unshift(read.head[i])
  return { forwarded, status: forwarded.response.statusCode, headers, text: null }
}

/** A body-less request (GET, DELETE, POST …/cancel) has one candidate with no body. */
export const NO_BODY: readonly Candidate[] = [{ model: '', body: () => null }]

/** Rewrites a successful JSON answer with `edit`; anything else goes back byte for byte. */
export function sendAnswer (reply: FastifyReply, answer: BufferedAnswer, edit?: (json: unknown) => unknown): FastifyReply {
  if (answer.text === null) return reply.code(answer.status).headers(answer.headers).send(answer.forwarded.response.body)
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
