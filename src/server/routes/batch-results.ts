// GET /v1/messages/batches/{id}/results: the JSONL streams through to the client untouched while
// each line is priced as it passes (never buffered whole). The spend is recorded only when the
// whole file came through, and only the first time a batch id is priced: the id is marked in the
// cache store (Redis or memory, shared by every instance on Redis) for as long as results are kept.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { upstreamRequestHeaders, clientResponseHeaders } from '../../upstream/headers.js'
import { toGatewayError } from '../../upstream/transport-errors.js'
import { clientGoneOf } from '../request-context.js'
import { failHijacked, writeRawGatewayError } from '../error-handler.js'
import type { RouteDeps } from '../route-deps.js'
import { isoDateOf, plainOutcome } from '../outcome-builder.js'
import { resolveTenant } from '../tenant.js'
import { LineSplitter, addBatchLine, newBatchSpend } from '../../pricing/batch-results.js'

/** Anthropic keeps batch results 29 days (Message Batches docs): a re-download within them is not new spend. */
export const PRICED_BATCH_TTL_SECONDS = 29 * 24 * 3600

/** Process-local marks when the gateway runs without a cache store (bounded, expiring). */
function localMarks (): (key: string, ttlSeconds: number) => Promise<boolean> {
  const marks = new Map<string, number>()
  return async (key, ttlSeconds) => {
    const now = Date.now()
    const until = marks.get(key)
    if (until !== undefined && until > now) return false
    if (marks.size >= 100_000) for (const [k, t] of marks) if (t <= now) marks.delete(k)
    marks.set(key, now + ttlSeconds * 1000)
    return true
  }
}

export async function batchResultsRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const local = localMarks()
  const markOnce = (key: string): Promise<boolean> =>
    deps.cache !== null ? deps.cache.markOnce(key, PRICED_BATCH_TTL_SECONDS) : local(key, PRICED_BATCH_TTL_SECONDS)

  app.get<{ Params: { id: string } }>('/v1/messages/batches/:id/results', async function batchResults (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const signal = clientGoneOf(request)
    request.gw.hasOutcome = true
    reply.hijack()
    const config = request.gw.config
    let response
    try {
      response = await deps.upstream.request(config.upstream, {
        method: 'GET',
        path: request.url,
        headers: upstreamRequestHeaders(request.headers, { bodyReplaced: false, readsResponse: false }),
        body: null,
        signal
      })
    } catch (err) {
      const gatewayError = toGatewayError(err)
      writeRawGatewayError(reply.raw, request.id, gatewayError)
      deps.outcomes.record(plainOutcome(request, gatewayError.status))
      return
    }
    try {
      reply.raw.writeHead(response.statusCode, clientResponseHeaders(response.headers, { bodyReplaced: false }))
    } catch (err) {
      response.body.destroy()
      failHijacked(request, reply, err)
      deps.outcomes.record(plainOutcome(request, reply.raw.statusCode))
      return
    }
    const pricing = response.statusCode === 200 && deps.outcomes.recordBatch !== undefined
    const spend = newBatchSpend(request.params.id)
    const isoDate = isoDateOf(deps.now())
    const splitter = new LineSplitter()
    const onLine = (line: string): void => addBatchLine(spend, line, config.catalog, isoDate)
    const tee = new Transform({
      transform (chunk: Buffer, _encoding, done) {
        if (pricing) {
          try { splitter.push(chunk, onLine) } catch { /* pricing never breaks the download */ }
        }
        done(null, chunk)
      }
    })
    let complete = false
    try {
      // The client's body is ended only after the spend is recorded, so a scrape that follows a
      // finished download already sees it.
      await pipeline(response.body, tee, reply.raw, { end: false })
      complete = true
    } catch {
      reply.raw.destroy()
    }
    // A broken-off download prices nothing: the next complete one will.
    if (pricing && complete) {
      try { splitter.end(onLine) } catch { /* as above */ }
      if (await markOnce(`batch-priced:${request.params.id}`)) {
        deps.outcomes.recordBatch?.(spend, resolveTenant(request.headers, config.tenants))
      }
    }
    if (complete) reply.raw.end()
    deps.outcomes.record(plainOutcome(request, response.statusCode))
  })
}
