// Starts a RequestOutcome for a routed request; the route fills in the rest as it learns it.

import type { FastifyRequest } from 'fastify'
import type { MessagesRequest } from '../types/anthropic.js'
import type { Decision } from '../policy/types.js'
import type { RequestOutcome, RouteName } from './outcome.js'
import { resolveTenant } from './tenant.js'

export function newOutcome (route: RouteName, request: FastifyRequest, body: MessagesRequest, decision: Decision, isoDate: string): RequestOutcome {
  request.gw.hasOutcome = true
  return {
    route,
    requestedModel: decision.requestedModel,
    routedModel: decision.targetModel,
    rule: decision.rule,
    tenant: tenantOf(request),
    status: 0,
    stream: body.stream === true,
    cacheResult: 'bypass',
    usage: null,
    modifiers: { batch: false, inferenceGeo: body.inference_geo, speed: body.speed },
    durationSeconds: 0,
    ttftSeconds: null,
    upstreamSeconds: 0,
    fallbacks: [],
    skipped: decision.skipped,
    shadow: decision.shadow,
    lifecycleRemap: decision.lifecycleRemap,
    upstreamErrorType: null,
    isoDate,
    promptCache: decision.promptCache
  }
}

/** The tenancy hook's answer when it ran (the credential may have been replaced since), else the policy's match. */
function tenantOf (request: FastifyRequest): string | null {
  const tenancy = request.gw.tenancy
  if (tenancy !== null) return tenancy.tenant?.name ?? null
  return resolveTenant(request.headers, request.gw.config.tenants)
}

export function secondsSince (startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9
}

let cachedDay = -1
let cachedIso = ''

/** YYYY-MM-DD in UTC; formatted once per day, not per request. */
export function isoDateOf (ms: number): string {
  const day = Math.floor(ms / 86_400_000)
  if (day !== cachedDay) {
    cachedIso = new Date(ms).toISOString().slice(0, 10)
    cachedDay = day
  }
  return cachedIso
}

/** The outcome of a request no route described in detail: gateway errors, models, batches, files. */
export function plainOutcome (request: FastifyRequest, status: number): RequestOutcome {
  const durationSeconds = secondsSince(request.gw.startedAtNs)
  return {
    route: routeOf(request.routeOptions.url),
    requestedModel: null,
    routedModel: null,
    rule: null,
    tenant: tenantOf(request),
    status,
    stream: false,
    cacheResult: 'bypass',
    usage: null,
    modifiers: { batch: false, inferenceGeo: undefined, speed: undefined },
    durationSeconds,
    ttftSeconds: null,
    upstreamSeconds: 0,
    fallbacks: [],
    skipped: [],
    shadow: null,
    lifecycleRemap: null,
    upstreamErrorType: null,
    isoDate: isoDateOf(Date.now())
  }
}

/** The `route` label of every metric (requests, durations, in-flight): one name per route, whatever the path. */
export function routeOf (url: string | undefined): RouteName {
  if (url === undefined) return 'other'
  if (url === '/v1/messages') return 'messages'
  if (url === '/v1/messages/count_tokens') return 'count_tokens'
  if (url.startsWith('/v1/models')) return 'models'
  if (url.startsWith('/v1/messages/batches')) return 'batches'
  if (url === '/v1/gateway/explain' || url === '/admin/explain') return 'explain'
  if (url === '/v1/*') return 'passthrough'
  return 'other'
}
