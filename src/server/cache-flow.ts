// The cache's part of a Messages request: decide whether it may be cached, compute its key, and
// serve a hit in the form the client asked for. The request parts stay in routes/messages.ts.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RuntimeConfig } from '../config/types.js'
import type { CachingPlan } from '../cache/cacheability.js'
import { OPT_IN_HEADER, planCaching } from '../cache/cacheability.js'
import { cacheKey, scopeOf } from '../cache/key.js'
import type { CacheEntry } from '../cache/entry.js'
import { replaySse } from '../cache/replay.js'
import type { Decision } from '../policy/types.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { credentialOf, headerValue } from '../upstream/headers.js'
import { gatewayHeaders } from './gateway-headers.js'
import type { RequestOutcome } from './outcome.js'
import { secondsSince } from './outcome-builder.js'

export interface CacheContext {
  key: string
  plan: CachingPlan
}

/** Null when the request must bypass the cache (the plan says why, for logs and explain). */
export function prepareCache (request: FastifyRequest, outgoing: MessagesRequest, decision: Decision, config: RuntimeConfig): CacheContext | null {
  const plan = planCaching(outgoing, {
    mode: config.cache.mode,
    ttlSeconds: config.cache.ttlSeconds,
    rule: decision.cache,
    optIn: headerValue(request.headers, OPT_IN_HEADER),
    cacheControl: headerValue(request.headers, 'cache-control')
  })
  if (!plan.lookup && !plan.store) return null
  const key = cacheKey(outgoing, {
    anthropicVersion: headerValue(request.headers, 'anthropic-version'),
    anthropicBeta: headerValue(request.headers, 'anthropic-beta')
  }, scopeOf(credentialOf(request.headers), config.cache.sharedScope))
  return { key, plan }
}

export function serveHit (request: FastifyRequest, reply: FastifyReply, entry: CacheEntry, wantsStream: boolean, decision: Decision, outcome: RequestOutcome): FastifyReply {
  const ageSeconds = Math.max(0, Math.floor((Date.now() - entry.storedAtMs) / 1000))
  reply.headers(gatewayHeaders(request.id, decision, decision.targetModel, 'hit', []))
  reply.header('age', String(ageSeconds))
  outcome.cacheResult = 'hit'
  outcome.status = 200
  outcome.usage = entry.message.usage
  outcome.routedModel = decision.targetModel
  outcome.durationSeconds = secondsSince(request.gw.startedAtNs)
  if (wantsStream) {
    outcome.ttftSeconds = outcome.durationSeconds
    return reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send(replaySse(entry.message))
  }
  return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(entry.message))
}
