// Gives every request one shape-stable context (its id, its start time and the config snapshot it
// uses until it ends: a hot reload swaps the holder, never a request's view) and sees it to its end
// through one listener on the response's 'close': the in-flight gauge, the client-gone abort and
// the record of requests no route described. One hook and one listener where there were four hooks
// and two listeners: each Fastify hook and each response listener is per-request work.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RuntimeConfig, TenantConfig } from '../config/types.js'
import type { KeyRecord } from '../tenancy/keys.js'
import { GatewayError } from '../errors.js'
import type { CountingGauge } from '../metrics/counting-gauge.js'
import { ClientGone } from './client-gone.js'
import type { BodyBudget } from './body-budget.js'
import { originFormTarget } from './request-target.js'
import type { OutcomeSink, RouteName } from './outcome.js'
import { plainOutcome, routeOf } from './outcome-builder.js'

export interface RequestContext {
  id: string
  startedAtNs: bigint
  config: RuntimeConfig
  /** A route built its own outcome for the metrics; the generic record at the end is skipped. */
  hasOutcome: boolean
  /** Made by a route that waits on the upstream (clientGoneOf): aborted if the client leaves first. */
  clientGone: ClientGone | null
  /** Bytes of this request's body held against the body budget; given back when the response is over. */
  bufferedBytes: number
  /** Who the request is, set by the tenancy hook (tenancy-auth.ts); null when no tenancy is configured. */
  tenancy: RequestTenancy | null
}

export interface RequestTenancy {
  tenant: TenantConfig | null
  key: KeyRecord | null
  /** Gateway-key requests share their tenant's cache scope (the credential that goes upstream is the gateway's). */
  cacheScope: string | null
}

declare module 'fastify' {
  interface FastifyRequest {
    gw: RequestContext
  }
}

export interface LifecycleOptions {
  currentConfig: () => RuntimeConfig
  isClosing: () => boolean
  outcomes: OutcomeSink
  inflight: CountingGauge<'route'> | null
  budget: BodyBudget
}

/** Probes and scrapes are not client traffic: they stay out of llm_gateway_requests_total and the in-flight gauge. */
const OPERATIONAL_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/api/hello'])

const INFLIGHT_LABELS: Record<RouteName, { route: RouteName }> = {
  messages: { route: 'messages' },
  count_tokens: { route: 'count_tokens' },
  models: { route: 'models' },
  batches: { route: 'batches' },
  files: { route: 'files' },
  passthrough: { route: 'passthrough' },
  explain: { route: 'explain' },
  other: { route: 'other' }
}

export function registerRequestLifecycle (app: FastifyInstance, options: LifecycleOptions): void {
  const { currentConfig, isClosing, outcomes, inflight, budget } = options
  app.decorateRequest('gw', null as unknown as RequestContext)
  app.addHook('onRequest', (request, reply, done) => {
    if (isClosing()) {
      reply.header('connection', 'close')
      done(new GatewayError('TL_ERR_SHUTTING_DOWN', 'The gateway is shutting down; retry on another connection.'))
      return
    }
    const gw: RequestContext = { id: request.id, startedAtNs: process.hrtime.bigint(), config: currentConfig(), hasOutcome: false, clientGone: null, bufferedBytes: 0, tenancy: null }
    request.gw = gw
    const url = request.routeOptions.url
    const operational = OPERATIONAL_ROUTES.has(url ?? '')
    // Literal label objects, kept for the series (CountingGauge): one per route name.
    const labels = operational ? null : INFLIGHT_LABELS[routeOf(url)]
    if (labels !== null) inflight?.inc(labels)
    const raw = reply.raw
    // 'close' fires for every response, hijacked ones included, after 'finish' or on an abort.
    raw.once('close', () => {
      if (!raw.writableFinished) gw.clientGone?.abort()
      if (labels !== null) inflight?.dec(labels)
      if (gw.bufferedBytes !== 0) {
        budget.release(gw.bufferedBytes)
        gw.bufferedBytes = 0
      }
      // Gateway errors, models, batches, explain: every answered client request is counted once.
      if (!gw.hasOutcome && raw.writableFinished && !operational) outcomes.record(plainOutcome(request, reply.statusCode))
    })
    // Routes forward `request.url`: it must be origin-form without dot-segments (request-target.ts).
    const target = originFormTarget(request.url)
    if (target === null) {
      done(new GatewayError('TL_ERR_INVALID_PATH', 'The request target must be a path without "." or ".." segments (encoded or not).'))
      return
    }
    if (target !== request.url) request.raw.url = target
    done()
  })
}

/** The request's abort source for the upstream call: fires when the client goes away before its answer is complete. */
export function clientGoneOf (request: FastifyRequest): ClientGone {
  request.gw.clientGone ??= new ClientGone()
  return request.gw.clientGone
}

