// Starts a real gateway (buildApp + listen on 127.0.0.1:0) in front of a given upstream, with a
// policy compiled from YAML text, exactly as main.ts wires it, minus the process concerns.

import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import type { AppDeps } from '../../src/app.js'
import { compileConfig } from '../../src/config/compile.js'
import type { RuntimeConfig } from '../../src/config/types.js'
import { createUpstreamClient } from '../../src/upstream/client.js'
import type { RequestOutcome } from '../../src/server/outcome.js'
import { createMetrics } from '../../src/metrics/registry.js'
import type { Metrics } from '../../src/metrics/registry.js'
import { recordOutcome } from '../../src/metrics/record.js'
import { recordBatchSpend } from '../../src/metrics/record-batch.js'
import { createCache } from '../../src/cache/create-cache.js'
import { createTenancy } from '../../src/tenancy/create-tenancy.js'
import type { Tenancy } from '../../src/tenancy/create-tenancy.js'

export interface StartedGateway {
  url: string
  app: FastifyInstance
  outcomes: RequestOutcome[]
  metrics: Metrics
  /** The /metrics exposition text. */
  scrape: () => Promise<string>
  tenancy: Tenancy | null
  config: () => RuntimeConfig
  swapConfig: (yaml: string) => Promise<void>
  close: () => Promise<void>
}

export interface GatewayOptions {
  upstreamUrl: string
  policyYaml?: string
  /** Response cache: off (default), in memory, or in the Redis at this URL. */
  cache?: 'memory' | { redisUrl: string }
  /** Gateway keys, limits and budgets: in memory, or in the Redis at this URL (env: upstream key variables). */
  tenancy?: 'memory' | { redisUrl: string }
  /** Environment the tenancy reads upstream keys from (default: process.env). */
  env?: Record<string, string>
  deps?: Partial<AppDeps>
  /** prom-client's process metrics (event-loop lag, CPU, heap), as `npm start` exports them; off by default. */
  defaultMetrics?: boolean
}

/**
 * The calendar day in-process gateways live on unless a test passes its own `deps.now`. The
 * catalog's retirement dates change routing (a retired model is remapped), so a test must not
 * change meaning the day a model it names retires. Retirement itself is tested with its own clock.
 */
export const TEST_NOW_MS = Date.parse('2026-11-20T12:00:00Z')

let catalogRaw: unknown

export async function compileTestConfig (yaml: string, upstreamUrl: string, nowMs = TEST_NOW_MS): Promise<RuntimeConfig> {
  catalogRaw ??= parseYaml(await readFile(new URL('../../config/models.yaml', import.meta.url), 'utf8'))
  const result = compileConfig(parseYaml(yaml) ?? {}, catalogRaw, { path: null, nowMs, envOverrides: { upstreamUrl } })
  if ('issues' in result) throw new Error('test policy invalid: ' + result.issues.map((i) => `${i.path}: ${i.message}`).join('; '))
  return result.config
}

export async function startGateway (options: GatewayOptions): Promise<StartedGateway> {
  const now = options.deps?.now ?? (() => TEST_NOW_MS)
  let current = await compileTestConfig(options.policyYaml ?? '{}', options.upstreamUrl, now())
  const outcomes: RequestOutcome[] = []
  const upstream = createUpstreamClient({ connectTimeoutMs: 2000 })
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false, version: 'test' })
  const cache = options.cache === undefined
    ? null
    : createCache({ redisUrl: options.cache === 'memory' ? null : options.cache.redisUrl }, () => current.cache, metrics)
  const tenancy = options.tenancy === undefined
    ? null
    : createTenancy({ redisUrl: options.tenancy === 'memory' ? null : options.tenancy.redisUrl, env: options.env, now })
  await tenancy?.ready(3000)
  const app = await buildApp({
    config: () => current,
    upstream,
    cache,
    tenancy,
    metrics,
    outcomes: {
      record: (outcome) => { outcomes.push(outcome); recordOutcome(metrics, outcome, current, { warn: (fields, message) => app.log.warn(fields, message) }) },
      recordBatch: (spend, tenant) => recordBatchSpend(metrics, spend, tenant, current, { warn: (fields, message) => app.log.warn(fields, message) })
    },
    ...options.deps,
    now
  })
  app.addHook('onClose', async () => {
    await upstream.close()
    await cache?.close()
    await tenancy?.close()
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    outcomes,
    metrics,
    scrape: () => metrics.registry.metrics(),
    tenancy,
    config: () => current,
    swapConfig: async (yaml) => { current = await compileTestConfig(yaml, options.upstreamUrl, now()) },
    close: () => app.close()
  }
}
