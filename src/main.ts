// Process entry: read env → load config → create the edges → buildApp → listen → shut down
// gracefully. Wiring only.

import { readEnv } from './config/env.js'
import { loadConfig } from './config/load.js'
import { createConfigHolder, watchConfig } from './config/reload.js'
import { createUpstreamClient } from './upstream/client.js'
import { buildApp } from './app.js'
import { installShutdown } from './server/shutdown.js'
import { createMetrics } from './metrics/registry.js'
import { recordOutcome } from './metrics/record.js'
import type { MoneyLog } from './metrics/record.js'
import { recordBatchSpend } from './metrics/record-batch.js'
import { startMetricsServer } from './server/metrics-server.js'
import { readFileSync } from 'node:fs'
import { createCache, createCacheStore } from './cache/create-cache.js'
import { createPromptCacheState } from './prompt-cache/create-state.js'
import { createTenancy } from './tenancy/create-tenancy.js'
import type { Tenancy } from './tenancy/create-tenancy.js'
import type { RuntimeConfig } from './config/types.js'
import type { ConfigIssue } from './config/issues.js'
import { describeSecret } from './tenancy/upstream-credential.js'
import { redactCredentials } from './redact.js'
import type { FastifyInstance } from 'fastify'
import { SUPPRESSED_LISTEN_TEXT, listenUrl, startupSummary } from './server/startup-summary.js'
import type { CacheBackend } from './server/startup-summary.js'

async function main (): Promise<void> {
  const envResult = readEnv(process.env)
  if ('issue' in envResult) {
    process.stderr.write(`thriftline: invalid environment: ${envResult.issue.message}\n`)
    process.exit(1)
  }
  const env = envResult.config
  const tenancy = createTenancy({
    redisUrl: env.redisUrl,
    sentinels: process.env.REDIS_SENTINELS ?? null,
    sentinelName: process.env.REDIS_SENTINEL_NAME ?? null,
    clusterNodes: process.env.REDIS_CLUSTER_NODES ?? null
  })
  const load = async (): Promise<Awaited<ReturnType<typeof loadConfig>>> => {
    const result = await loadConfig(env.configPath, { nowMs: Date.now(), envOverrides: { upstreamUrl: env.upstreamUrl ?? undefined } })
    // Tenancy's stores (a Redis connection of their own) open with the first policy that has
    // tenants, here or on a reload: limits are checked from the first request on, so give Redis
    // a moment to connect before the policy applies.
    if ('config' in result && result.config.tenants.length > 0) await tenancy.ready(3000)
    return result
  }
  const loaded = await load()
  if ('issues' in loaded) {
    for (const issue of loaded.issues) process.stderr.write(`thriftline: ${env.configPath}: ${issue.path}: ${redactCredentials(issue.message)}\n`)
    process.exit(1)
  }
  for (const warning of loaded.config.warnings) process.stderr.write(`thriftline: ${env.configPath}: warning: ${warning.path}: ${warning.message}\n`)
  const holder = createConfigHolder(loaded.config)
  const upstream = createUpstreamClient({ connectTimeoutMs: loaded.config.upstream.connectTimeoutMs })
  const metrics = createMetrics({ defaultMetrics: true, version: packageVersion() })
  const cacheSettings = {
    redisUrl: env.redisUrl,
    sentinels: process.env.REDIS_SENTINELS ?? null,
    sentinelName: process.env.REDIS_SENTINEL_NAME ?? null,
    clusterNodes: process.env.REDIS_CLUSTER_NODES ?? null
  }
  const cacheStore = createCacheStore(cacheSettings, () => holder.current().cache)
  const cache = createCache(cacheSettings, () => holder.current().cache, metrics, cacheStore)
  // Which model holds which conversation's prompt cache: in the same Redis, else in memory.
  const promptCacheState = createPromptCacheState(cacheStore, () => holder.current().cache.operationTimeoutMs, metrics)

  warnMissingUpstreamKeys(loaded.config, tenancy, env.configPath)
  let lastReload: { result: 'success' | 'failure'; issues: readonly ConfigIssue[] } = { result: 'success', issues: [] }
  // Assigned once the app exists: POST /admin/reload calls it.
  let watcher: ReturnType<typeof watchConfig> | undefined
  // The app's logger exists only once buildApp returns; money warnings go through it.
  let appLog: MoneyLog | undefined
  const moneyLog: MoneyLog = { warn: (fields, message) => appLog?.warn(fields, message) }
  const app = await buildApp({
    config: holder.current,
    upstream,
    outcomes: {
      record: (outcome) => recordOutcome(metrics, outcome, holder.current(), moneyLog),
      recordBatch: (spend, tenant) => recordBatchSpend(metrics, spend, tenant, holder.current(), moneyLog)
    },
    cache,
    promptCacheState,
    metrics,
    metricsOnMainPort: env.metricsPort === null,
    metricsToken: env.metricsToken,
    adminToken: env.adminToken,
    logger: {
      level: env.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
      // Fastify logs one "Server listening" line per interface address; the summary replaces them.
      hooks: { logMethod (args, method) { if (args[0] !== SUPPRESSED_LISTEN_TEXT) method.apply(this, args) } }
    },
    bodyLimitBytes: env.bodyLimitBytes,
    ...(env.bodyBudgetBytes === null ? {} : { bodyBudgetBytes: env.bodyBudgetBytes }),
    timeouts: { headersMs: env.headersTimeoutMs, requestMs: env.requestTimeoutMs, keepAliveMs: env.keepAliveTimeoutMs },
    upstreamBufferLimitBytes: env.upstreamBufferLimitBytes,
    maxConnections: env.maxConnections,
    publicUrl: env.publicUrl,
    tenancy,
    reloadConfig: async () => {
      await watcher?.reload()
      return lastReload
    }
  })
  appLog = app.log
  // A Redis outage and its end, logged once each with the reason (never per failed command).
  cache.watchAvailability((state) => {
    if (state.available) app.log.info({ cacheStore: cache.kind, reason: state.reason }, 'cache store available')
    else app.log.warn({ cacheStore: cache.kind, reason: redactCredentials(state.reason) }, 'cache store unavailable; requests are served uncached until it returns')
  })
  watcher = watchConfig({
    path: env.configPath,
    holder,
    load,
    onResult: (result, issues) => {
      lastReload = { result, issues }
      metrics.configReloads.inc({ result })
      if (result === 'success') warnMissingUpstreamKeys(holder.current(), tenancy, env.configPath)
      if (result === 'success') {
        const { warnings } = holder.current()
        app.log.info({ path: env.configPath }, 'config reloaded')
        if (warnings.length > 0) app.log.warn({ path: env.configPath, warnings }, 'config has warnings')
      }
      else app.log.error({ path: env.configPath, issues }, 'config reload rejected; the previous config keeps serving')
    }
  })
  const metricsServer = env.metricsPort === null
    ? null
    : await startMetricsServer({ registry: metrics.registry, bearerToken: env.metricsToken, port: env.metricsPort, host: env.host })
  installShutdown(app, {
    timeoutMs: env.shutdownTimeoutMs,
    cleanup: async () => {
      watcher?.close()
      await metricsServer?.close()
      await cache.close()
      await tenancy.close()
      await upstream.close()
    },
    exit: (code) => process.exit(code)
  })
  await app.listen({ port: env.port, host: env.host, listenTextResolver: () => SUPPRESSED_LISTEN_TEXT })
  const listen = listenUrl(env.host, boundPort(app))
  const summary = startupSummary({
    version: packageVersion(),
    listenUrl: listen,
    upstreamUrl: holder.current().upstream.url,
    policyPath: env.configPath,
    routeCount: holder.current().policy.rules.length,
    cache: cacheBackend(env.redisUrl, holder.current().cache),
    metrics: {
      url: (metricsServer === null ? listen : listenUrl(env.host, boundPort(metricsServer))) + '/metrics',
      tokenRequired: env.metricsToken !== null
    }
  })
  app.log.info(summary.fields, summary.message)
}

function boundPort (server: FastifyInstance): number {
  const address = server.server.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

/** Which store createCache picked, from the same settings. */
function cacheBackend (redisUrl: string | null, cache: { mode: string; memoryMaxBytes: number }): CacheBackend {
  const { REDIS_CLUSTER_NODES: nodes, REDIS_SENTINELS: sentinels, REDIS_SENTINEL_NAME: name } = process.env
  if (nodes) return { kind: 'redis-cluster', nodes, mode: cache.mode }
  if (sentinels) return { kind: 'redis-sentinel', sentinels, name: name ?? 'mymaster', mode: cache.mode }
  if (redisUrl !== null) return { kind: 'redis', url: redisUrl, mode: cache.mode }
  return { kind: 'memory', maxBytes: cache.memoryMaxBytes, mode: cache.mode }
}

/** A gateway-key tenant without its upstream key would answer 500 to every request: say so at start and reload. */
function warnMissingUpstreamKeys (config: RuntimeConfig, tenancy: Tenancy, path: string): void {
  for (const tenant of config.tenants) {
    if (tenant.auth !== 'gateway_keys') continue
    const ref = tenant.upstreamKey ?? config.auth.upstreamKey
    if (tenancy.secrets.read(ref) === null) process.stderr.write(`thriftline: ${path}: warning: tenants: "${tenant.name}" uses gateway keys but its upstream key (${describeSecret(ref)}) is unset or empty\n`)
  }
}

function packageVersion (): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`thriftline: failed to start: ${startupFailure(err, process.env.LOG_LEVEL)}\n`)
  process.exit(1)
})

/**
 * One line an operator can act on (`listen EADDRINUSE: address already in use 0.0.0.0:8080`),
 * credentials masked; the stack only at LOG_LEVEL debug or trace, where a developer wants it.
 */
function startupFailure (err: unknown, logLevel: string | undefined): string {
  const verbose = logLevel === 'debug' || logLevel === 'trace'
  const text = err instanceof Error ? (verbose ? err.stack ?? err.message : err.message) : String(err)
  return redactCredentials(verbose ? text : text.replace(/\s*\n\s*/g, ' '))
}
