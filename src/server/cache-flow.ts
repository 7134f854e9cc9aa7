// The cache's part of a Messages request: decide whether it may be cached, compute its key, and
// serve a hit in the form the client asked for. The request parts stay in routes/messages.ts.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RuntimeConfig } from '../config/types.js'
import type { CachingPlan } from '../cache/cacheability.js'
import { OPT_IN_HEADER, planCaching } from '../cache/cacheability.js'
import { cacheKey, scopeOf } from '../cache/key.js'
import type { CacheEntry } from '../cache/entry.js'
import type { Decision } from '../policy/types.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { credentialOf, headerValue } from '../upstream/headers.js'
import { gatewayHeaders } from './gateway-headers.js'
import type { RequestOutcome } from './outcome.js'
import { secondsSince } from './outcome-builder.js'
import { sendComplete } from './send-complete.js'

export interface CacheContext {
  key: string
  plan: CachingPlan
}

/** Null when the request must bypass the cache (the plan says why, for logs and explain). */
export function prepareCache (request: FastifyRequest, outgoing: MessagesRequest, decision: Decision, config: RuntimeConfig): CacheContext | null {
  const credential = credentialOf(request.headers)
  const plan = planCaching(outgoing, {
    mode: config.cache.mode,
    ttlSeconds: config.cache.ttlSeconds,
    rule: decision.cache,
    optIn: headerValue(request.headers, OPT_IN_HEADER),
    cacheControl: headerValue(request.headers, 'cache-control'),
    hasCredential: credential !== null
  })
  if (!plan.lookup && !plan.store) return null
  const key = cacheKey(outgoing, {
    anthropicVersion: headerValue(request.headers, 'anthropic-version'),
    anthropicBeta: headerValue(request.headers, 'anthropic-beta')
  }, scopeOf(request.gw.tenancy?.cacheScope ?? credential, config.cache.sharedScope))
  return { key, plan }
}

/** Writes the hit (`body`: servedBody's) and fills the outcome; the reply is taken over (hijacked), like every answer. */
export function serveHit (request: FastifyRequest, reply: FastifyReply, entry: CacheEntry, body: Buffer | string, wantsStream: boolean, decision: Decision, outcome: RequestOutcome, extraHeaders?: Record<string, string>): void {
  const ageSeconds = Math.max(0, Math.floor((Date.now() - entry.storedAtMs) / 1000))
  const headers = gatewayHeaders(request.id, decision, decision.targetModel, 'hit', [], extraHeaders === undefined ? {} : { ...extraHeaders })
  headers.age = String(ageSeconds)
  outcome.cacheResult = 'hit'
  outcome.cacheHitAgeMs = Math.max(0, Date.now() - entry.storedAtMs)
  outcome.status = 200
  outcome.usage = entry.usage
  outcome.routedModel = decision.targetModel
  headers['content-type'] = wantsStream ? 'text/event-stream; charset=utf-8' : 'application/json'
  if (wantsStream) headers['cache-control'] = 'no-cache'
  sendComplete(reply, 200, headers, body)
  outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
  if (wantsStream) outcome.ttftSeconds = outcome.durationSeconds
}
