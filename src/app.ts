// buildApp(deps): the Fastify instance with every plugin and route registered. Never listens,
// holds no global state: tests build as many apps side by side as they like.

import Fastify, { LogController } from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { randomBytes } from 'node:crypto'
import type { RuntimeConfig } from './config/types.js'
import type { UpstreamClient } from './upstream/client.js'
import { createUpstreamReachability } from './upstream/reachability.js'
import type { OutcomeSink } from './server/outcome.js'
import { registerRequestLifecycle } from './server/request-context.js'
import { lazyChildLogger } from './server/request-logger.js'
import { answerClientError, registerErrorHandler, sendGatewayError, toGatewayErrorFromAny } from './server/error-handler.js'
import { healthRoutes } from './server/routes/health.js'
import { messagesRoutes } from './server/routes/messages.js'
import { countTokensRoutes } from './server/routes/count-tokens.js'
import { modelsRoutes } from './server/routes/models.js'
import { batchesRoutes } from './server/routes/batches.js'
import { passthroughRoutes } from './server/routes/passthrough.js'
import { batchResultsRoutes } from './server/routes/batch-results.js'
import { explainRoutes } from './server/routes/explain.js'
import type { RouteDeps } from './server/route-deps.js'
import { metricsRoutes } from './server/routes/metrics.js'
import type { Metrics } from './metrics/registry.js'
import type { ResponseCache } from './cache/response-cache.js'
import { createPromptCacheState } from './prompt-cache/create-state.js'
import type { PromptCacheStateStore } from './prompt-cache/state-store.js'
import type { Tenancy } from './tenancy/create-tenancy.js'
import { registerTenancyAuth } from './server/tenancy-auth.js'
import { adminRoutes } from './server/routes/admin.js'
import type { AdminRouteOptions } from './server/routes/admin.js'
import { createResilience } from './upstream/resilience.js'
import type { Resilience } from './upstream/resilience.js'
import { breakerGaugeValues, resilienceEvents } from './metrics/resilience-events.js'
import { getHeapStatistics } from 'node:v8'
import { BodyBudget, defaultBodyBudgetBytes } from './server/body-budget.js'
import { jsonBodyParser } from './server/read-json-body.js'
import { holdContinue } from './server/expect-continue.js'
import { DEFAULT_TIMEOUTS, connectionsCheckingIntervalMs, timeoutsProblem } from './server/timeouts.js'
import type { ServerTimeouts } from './server/timeouts.js'

export interface AppDeps {
  config: () => RuntimeConfig
  upstream: UpstreamClient
  outcomes: OutcomeSink
  cache?: ResponseCache | null
  /** Prompt-cache state (which model holds which conversation warm); default: in memory; null: not tracked. */
  promptCacheState?: PromptCacheStateStore | null
  logger?: FastifyServerOptions['logger']
  bodyLimitBytes?: number
  publicUrl?: string | null
  random?: () => number
  now?: () => number
  /** When given, /metrics is served (unless `metricsOnMainPort` is false) and in-flight requests are counted. */
  metrics?: Metrics
  metricsOnMainPort?: boolean
  metricsToken?: string | null
  /** ADMIN_TOKEN: null or absent = admin endpoints disabled. */
  adminToken?: string | null
  /** Gateway keys, limits and budgets (Redis or memory stores); absent = tenants only label metrics. */
  tenancy?: Tenancy | null
  /** POST /admin/reload: reloads the policy file (main.ts passes the watcher's reload). */
  reloadConfig?: AdminRouteOptions['reloadConfig']
  /** Circuit breakers and retry budget; absent = a fresh one reporting to `metrics` and the log. */
  resilience?: Resilience
  /** /readyz probes the upstream (a TCP connect) when no request has reached it for this long; default 10 s. */
  upstreamProbeAfterMs?: number
  /** Request-body bytes held in memory at once across all requests (REQUEST_BUFFER_BUDGET_BYTES). */
  bodyBudgetBytes?: number
  /** Client connection limits (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS). */
  timeouts?: Partial<ServerTimeouts>
  /** Client connections open at once (MAX_CONNECTIONS); more are closed as they arrive. Absent or null: no cap. */
  maxConnections?: number | null
  /** Non-streamed upstream answers are read whole up to this size (UPSTREAM_BUFFER_LIMIT_BYTES); larger ones are relayed as they come. */
  upstreamBufferLimitBytes?: number
}

export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024
export const DEFAULT_UPSTREAM_BUFFER_LIMIT_BYTES = 32 * 1024 * 1024

/** `gw_<random per app><counter>`: unique across instances, without a UUID per request. */
function requestIds (): () => string {
  const prefix = 'gw_' + randomBytes(6).toString('hex')
  let counter = 0
  return () => prefix + (++counter).toString(36).padStart(8, '0')
}

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const timeouts: ServerTimeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts }
  const timeoutsIssue = timeoutsProblem(timeouts)
  if (timeoutsIssue !== null) throw new Error(timeoutsIssue)
  const bodyLimit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES
  const budget = new BodyBudget(deps.bodyBudgetBytes ?? defaultBodyBudgetBytes(getHeapStatistics().heap_size_limit))
  deps.metrics?.watchRequestBuffer(budget)
  const app = Fastify({
    // Passed to http.createServer: Node validates the two timeouts together there.
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(timeouts)
    },
    // Fastify sets these on the server after creating it (its defaults would switch the request timeout off).
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    logger: deps.logger ?? false,
    // Access logs are synchronous work on every request; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit,
    genReqId: requestIds(),
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    trustProxy: true,
    clientErrorHandler: answerClientError,
    // A URL Fastify cannot decode (`/v1/models/%ff`) is the client's mistake, in Anthropic's shape.
    frameworkErrors: (err, request, reply) => { sendGatewayError(reply, String(request.id), toGatewayErrorFromAny(err)) }
  })
  holdContinue(app.server)
  // Past the cap Node closes each new connection at once ('drop'): a flood of clients runs out of
  // connections, not of file descriptors the upstream, Redis and the policy file also need.
  if (deps.maxConnections != null) app.server.maxConnections = deps.maxConnections
  app.server.on('drop', () => { deps.metrics?.connectionsRefused.inc() })
  let closing = false
  app.addHook('preClose', (done) => { closing = true; done() })
  // Messages bodies are parsed once, by our own guard: keep the text (no Ajv coercion).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', jsonBodyParser(budget, bodyLimit))
  registerRequestLifecycle(app, { currentConfig: deps.config, isClosing: () => closing, outcomes: deps.outcomes, inflight: deps.metrics?.inflight ?? null, budget })
  registerErrorHandler(app)

  const resilience = deps.resilience ?? createResilience({ events: resilienceEvents(deps.metrics ?? null, () => app.log, deps.config) })
  deps.metrics?.observeBreakers(() => breakerGaugeValues(resilience, deps.config))
  const reachability = createUpstreamReachability({
    probeAfterMs: deps.upstreamProbeAfterMs ?? 10_000,
    probeTimeoutMs: deps.config().upstream.connectTimeoutMs
  })
  const routeDeps: RouteDeps = {
    upstream: reachability.observing(deps.upstream),
    resilience,
    outcomes: deps.outcomes,
    cache: deps.cache ?? null,
    promptCache: deps.promptCacheState === undefined
      ? createPromptCacheState(null, () => deps.config().cache.operationTimeoutMs, deps.metrics ?? null)
      : deps.promptCacheState,
    random: deps.random ?? Math.random,
    now: deps.now ?? Date.now,
    publicUrl: deps.publicUrl ?? null,
    upstreamBufferLimitBytes: deps.upstreamBufferLimitBytes ?? DEFAULT_UPSTREAM_BUFFER_LIMIT_BYTES,
    tenancy: deps.tenancy ?? null,
    metrics: deps.metrics ?? null
  }
  if (routeDeps.tenancy !== null) registerTenancyAuth(app, { tenancy: routeDeps.tenancy, metrics: routeDeps.metrics, now: routeDeps.now })
  await app.register(healthRoutes, { cacheHealth: () => deps.cache?.health() ?? 'disabled', upstreamReachability: (url) => reachability.report(url), isClosing: () => closing })
  await app.register(messagesRoutes, routeDeps)
  await app.register(countTokensRoutes, routeDeps)
  await app.register(modelsRoutes, routeDeps)
  await app.register(batchesRoutes, routeDeps)
  await app.register(batchResultsRoutes, routeDeps)
  await app.register(explainRoutes, { getConfig: deps.config, now: routeDeps.now, adminToken: deps.adminToken ?? null, promptCache: routeDeps.promptCache, tenancy: routeDeps.tenancy })
  await app.register(adminRoutes, { adminToken: deps.adminToken ?? null, getConfig: deps.config, tenancy: routeDeps.tenancy, now: routeDeps.now, reloadConfig: deps.reloadConfig })
  await app.register(passthroughRoutes, routeDeps)
  if (deps.metrics !== undefined && deps.metricsOnMainPort !== false) {
    await app.register(metricsRoutes, { registry: deps.metrics.registry, bearerToken: deps.metricsToken ?? null })
  }
  return app
}
