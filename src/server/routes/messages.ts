// POST /v1/messages: parse once → decide → cache lookup → forward with fallbacks → relay →
// store → record.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseJsonBody, parseMessagesRequest } from '../../messages/parse-request.js'
import { StreamAccumulator } from '../../messages/stream-accumulator.js'
import { trailingUsage } from '../../messages/usage.js'
import { planRoute } from '../route-plan.js'
import type { RoutePlan } from '../route-plan.js'
import { admit, settle } from '../admission.js'
import type { Admission } from '../admission.js'
import { forwardWithFallback, hopsBefore } from '../../upstream/forward.js'
import { readBodyUpTo } from '../../upstream/read-body.js'
import { pipeline } from 'node:stream/promises'
import type { ForwardResult } from '../../upstream/forward.js'
import { clientResponseHeaders, upstreamRequestHeaders } from '../../upstream/headers.js'
import { SseParser } from '../../upstream/sse.js'
import { isRecord } from '../../types/anthropic.js'
import type { Message } from '../../types/anthropic.js'
import { ERRORS, GatewayError, isGatewayError } from '../../errors.js'
import { failHijacked } from '../error-handler.js'
import { classifyTransportError } from '../../upstream/transport-errors.js'
import { isStorableMessage } from '../../cache/cacheability.js'
import type { Claim } from '../../cache/response-cache.js'
import { newEntry } from '../../cache/entry.js'
import { servedBody } from '../../cache/served-body.js'
import type { CacheEntry } from '../../cache/entry.js'
import { gatewayHeaders } from '../gateway-headers.js'
import { relaySse } from '../relay-sse.js'
import { sendComplete } from '../send-complete.js'
import { clientGoneOf } from '../request-context.js'
import type { RouteDeps } from '../route-deps.js'
import { isoDateOf, newOutcome, secondsSince } from '../outcome-builder.js'
import type { RequestOutcome } from '../outcome.js'
import { CLIENT_CLOSED_STATUS } from '../outcome.js'
import { prepareCache, serveHit } from '../cache-flow.js'
import type { CacheContext } from '../cache-flow.js'
import { lookupConversation, learnFromAnswer } from '../../prompt-cache/conversation.js'
import type { ConversationState } from '../../prompt-cache/conversation.js'
import { scopeOf } from '../../cache/key.js'
import { credentialOf } from '../../upstream/headers.js'

export async function messagesRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const admissionDeps = deps.tenancy === null ? null : { tenancy: deps.tenancy, metrics: deps.metrics, now: deps.now }
  app.post('/v1/messages', async function handleMessages (request: FastifyRequest, reply: FastifyReply) {
    try {
      const { config } = request.gw
      const body = parseMessagesRequest(parseJsonBody(request.body as string))
      const isoDate = isoDateOf(deps.now())
      // Tracked even while no rule could move the request: a rule reloaded mid-conversation must
      // know where the conversation is warm, and who signed its thinking.
      const conversation = deps.promptCache === null
        ? null
        : await lookupConversation(deps.promptCache, body, request.body as string, scopeOf(credentialOf(request.headers), config.cache.sharedScope), config.catalog, deps.now())
      let plan = planRoute(body, request.body as string, request.headers, config, deps.random(), isoDate, conversation?.view ?? null)
      let admission: Admission | null = null
      if (admissionDeps !== null) ({ plan, admission } = await admit(request, reply, plan, body, admissionDeps))
      const outcome = newOutcome('messages', request, body, plan.decision, isoDate)
      outcome.promptCacheView = conversation?.view ?? null
      const wantsStream = body.stream === true
      const cache = deps.cache === null ? null : prepareCache(request, plan.outgoing, plan.decision, config)
      let claim: Claim | null = null
      if (cache !== null && deps.cache !== null) {
        outcome.cacheResult = 'miss'
        const entry = cache.plan.lookup ? await deps.cache.lookup(cache.key) : null
        if (entry === null && cache.plan.store) claim = await deps.cache.claim(cache.key)
        const served = entry ?? (claim?.role === 'follower' && cache.plan.lookup ? claim.entry : null)
        const body = served === null ? null : servedBody(served, wantsStream)
        if (served !== null && body !== null) {
          serveHit(request, reply, served, body, wantsStream, plan.decision, outcome, admission?.headers)
          deps.outcomes.record(outcome)
          if (admission !== null && admissionDeps !== null) await settle(admission, outcome, config, admissionDeps, request.log)
          return
        }
      }
      let stored: CacheEntry | null = null
      try {
        stored = await exchange(request, reply, plan, outcome, cache, deps, conversation, admission)
        return reply.sent ? undefined : reply
      } finally {
        if (claim?.role === 'leader') claim.settle(stored)
        // The answer has gone (or failed): its usage corrects the reservation and is priced.
        if (admission !== null && admissionDeps !== null) await settle(admission, outcome, config, admissionDeps, request.log)
      }
    } catch (err) {
      // Before the reply was taken over, Fastify's error handler answers; after, only we can.
      if (!reply.sent) throw err
      // Nothing was recorded for an answer that failed before its headers left: the generic
      // record at the end counts it, with the error status written.
      if (!reply.raw.headersSent) request.gw.hasOutcome = false
      failHijacked(request, reply, err)
    }
  })
}

/** Forwards upstream and relays the answer; returns the entry it handed to the cache (for waiting followers), or null. */
async function exchange (
  request: FastifyRequest,
  reply: FastifyReply,
  plan: RoutePlan,
  outcome: RequestOutcome,
  cache: CacheContext | null,
  deps: RouteDeps,
  conversation: ConversationState | null,
  admission: Admission | null
): Promise<CacheEntry | null> {
  const signal = clientGoneOf(request)
  const upstreamStartNs = process.hrtime.bigint()
  let forwarded: ForwardResult
  try {
    forwarded = await forwardWithFallback(deps.upstream, request.gw.config.upstream, {
      method: 'POST',
      path: request.url,
      headers: upstreamRequestHeaders(request.headers, { bodyReplaced: true, readsResponse: true }),
      signal
    }, plan.candidates, deps.resilience)
  } catch (err) {
    outcome.status = signal.aborted ? CLIENT_CLOSED_STATUS : isGatewayError(err) ? err.status : 502
    // Every candidate skipped by its circuit breaker: the gateway answered 529 as the API would.
    const shortCircuited = isGatewayError(err) && err.code === 'TL_ERR_UPSTREAM_UNAVAILABLE'
    outcome.upstreamErrorType = signal.aborted ? 'client_closed' : shortCircuited ? 'overloaded_error' : classifyTransportError(err)
    // The hops walked before the last candidate failed too.
    outcome.fallbacks = hopsBefore(err)
    outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
    deps.outcomes.record(outcome)
    throw err
  }
  outcome.routedModel = forwarded.model
  outcome.fallbacks = forwarded.fallbacks
  outcome.status = forwarded.response.statusCode
  const headers = gatewayHeaders(request.id, plan.decision, forwarded.model, outcome.cacheResult, forwarded.fallbacks,
    clientResponseHeaders(forwarded.response.headers, { bodyReplaced: false }))
  // The tenant's own limits replace the upstream's rate-limit headers (those describe the gateway's organisation).
  if (admission !== null) Object.assign(headers, admission.headers)
  // An answer from a fallback model is not what the key (which names the target model) asks for.
  const storable = cache?.plan.store === true && forwarded.fallbacks.length === 0
  let message: Message | null
  /** The answer's own bytes, when it came as one JSON body: stored as they are. */
  let answerBytes: Buffer | undefined
  if (plan.outgoing.stream === true && forwarded.response.statusCode === 200 && isEventStream(forwarded.response.headers['content-type'])) {
    message = await relayStream(request, reply, upstreamStartNs, forwarded, headers, outcome, storable, deps.upstreamBufferLimitBytes)
  } else {
    let bytes: Buffer
    try {
      const read = await readBodyUpTo(forwarded.response.body, deps.upstreamBufferLimitBytes, declaredLength(forwarded.response.headers))
      if (!read.complete) {
        await relayUnread(request, reply, forwarded, headers, read.head, outcome, upstreamStartNs)
        deps.outcomes.record(outcome)
        return null
      }
      bytes = read.bytes
    } catch (err) {
      // The client went away (the abort ends the body) or the upstream broke mid-body; either
      // way the upstream's status never reached the client.
      outcome.status = signal.aborted ? CLIENT_CLOSED_STATUS : isGatewayError(err) ? err.status : 502
      outcome.upstreamErrorType = signal.aborted ? 'client_closed' : classifyTransportError(err)
      outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
      deps.outcomes.record(outcome)
      // Nothing was sent yet: the client gets a clean, retryable error (readBody's), not a half body.
      throw err
    }
    outcome.upstreamSeconds = secondsSince(upstreamStartNs)
    const ok = forwarded.response.statusCode >= 200 && forwarded.response.statusCode < 300
    // The metrics need only the usage, read off the end of the body without decoding or parsing
    // it. The whole message is parsed when it may be stored, or when its usage cannot be read that
    // way, and then before it leaves: a 2xx that is not a JSON object becomes the gateway's 502
    // TL_ERR_UPSTREAM_PROTOCOL (retryable), not a 200 the client cannot read. A body whose usage
    // does read off its end is relayed unparsed: validating it whole would cost every request a parse.
    const usage = ok && !storable ? trailingUsage(bytes) : null
    const parsed = ok && usage === null ? parseResponseJson(bytes.toString('utf8')) : null
    if (ok && usage === null && !isRecord(parsed)) {
      outcome.status = ERRORS.TL_ERR_UPSTREAM_PROTOCOL.status
      outcome.upstreamErrorType = 'protocol_error'
      outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
      deps.outcomes.record(outcome)
      throw new GatewayError('TL_ERR_UPSTREAM_PROTOCOL', `The upstream API answered ${forwarded.response.statusCode} with a body that is not a JSON object.`)
    }
    // An error answer leaves first; reading its type for the metrics is not the client's wait.
    sendComplete(reply, forwarded.response.statusCode, headers, bytes)
    outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
    if (ok) outcome.usage = usage ?? (isRecord(parsed) && isRecord(parsed.usage) ? parsed.usage : null)
    else outcome.upstreamErrorType = errorTypeOf(parseResponseJson(bytes.toString('utf8')))
    message = ok && isRecord(parsed) ? parsed as Message : null
    answerBytes = bytes
  }
  deps.outcomes.record(outcome)
  if (conversation !== null && deps.promptCache !== null && outcome.usage !== null && outcome.status === 200 && outcome.upstreamErrorType === null) {
    learnFromAnswer(deps.promptCache, conversation, forwarded.model, outcome.usage, request.gw.config.catalog, deps.now())
  }
  if (!storable || message === null || !isStorableMessage(message) || cache === null || deps.cache === null) return null
  const entry = newEntry(message, plan.outgoing.stream === true ? 'sse' : 'json', Date.now(), answerBytes)
  deps.cache.store(cache.key, entry, cache.plan.ttlSeconds)
  return entry
}

async function relayStream (
  request: FastifyRequest,
  reply: FastifyReply,
  upstreamStartNs: bigint,
  forwarded: ForwardResult,
  headers: Record<string, string | string[]>,
  outcome: RequestOutcome,
  storable: boolean,
  upstreamBufferLimitBytes: number
): Promise<Message | null> {
  reply.hijack()
  const raw = reply.raw
  // Headers leave with the first event (message_start follows them at once): one write, not two.
  raw.writeHead(200, headers)
  const parser = new SseParser(upstreamBufferLimitBytes)
  const accumulator = new StreamAccumulator(storable ? 'full' : 'usage', request.gw.config.cache.maxEntryBytes)
  let sideError: unknown = null
  const end = await relaySse(raw, forwarded.response.body, (chunk) => {
    for (const event of parser.push(chunk)) {
      if (accumulator.add(event)) outcome.ttftSeconds = secondsSince(request.gw.startedAtNs)
    }
  }, () => accumulator.reachedEnd, (err) => { sideError = err })
  const result = accumulator.outcome()
  // A stream the gateway could not follow whole was still relayed whole; its usage is unknown
  // when the parser broke down, partial events mean the message cannot be stored.
  if (sideError !== null) request.log.warn({ err: sideError }, 'stream relayed without reading it: its usage is not counted')
  outcome.usage = sideError === null ? result.usage : null
  if (sideError !== null || parser.skipped > 0) result.message = null
  outcome.upstreamSeconds = secondsSince(upstreamStartNs)
  outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
  if (result.errorType !== null) outcome.upstreamErrorType = result.errorType
  else if (end !== 'ended') outcome.upstreamErrorType = end === 'client_gone' ? 'client_closed' : end === 'truncated' ? 'stream_truncated' : 'stream_error'
  return end === 'ended' ? result.message : null
}

/**
 * An answer larger than UPSTREAM_BUFFER_LIMIT_BYTES is relayed as it arrives instead of being held
 * whole (a 400 MB answer took 1.8 GB): not stored, and its usage is not read (logged, and counted
 * as llm_gateway_usage_malformed_total{reason="unread"}, so the unpriced answer is visible).
 */
async function relayUnread (
  request: FastifyRequest,
  reply: FastifyReply,
  forwarded: ForwardResult,
  headers: Record<string, string | string[]>,
  head: readonly Buffer[],
  outcome: RequestOutcome,
  upstreamStartNs: bigint
): Promise<void> {
  request.log.warn({ status: forwarded.response.statusCode, model: forwarded.model }, 'upstream answer larger than UPSTREAM_BUFFER_LIMIT_BYTES: relayed unread, its usage not counted')
  reply.hijack()
  const raw = reply.raw
  raw.writeHead(forwarded.response.statusCode, headers)
  for (const chunk of head) raw.write(chunk)
  try {
    await pipeline(forwarded.response.body, raw)
  } catch {
    // The client went away (the abort stopped the upstream) or the upstream broke off: the body is
    // cut short, which the client sees.
    outcome.upstreamErrorType = clientGoneOf(request).aborted ? 'client_closed' : 'stream_error'
    raw.destroy()
  }
  outcome.upstreamSeconds = secondsSince(upstreamStartNs)
  outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
}

function declaredLength (headers: ForwardResult['response']['headers']): number {
  const value = headers['content-length']
  return typeof value === 'string' ? Number(value) : Number.NaN
}

function isEventStream (contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType
  return value !== undefined && value.startsWith('text/event-stream')
}

function parseResponseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function errorTypeOf (body: unknown): string {
  if (isRecord(body) && isRecord(body.error) && typeof body.error.type === 'string') return body.error.type
  return 'unknown_error'
}
