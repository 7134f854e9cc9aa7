// Issue 16 (items 12 and 13): with Redis down, every cache operation is counted once, as what it
// was (`error`), never as a miss, a success or twice; the outage is reported once when it starts
// and once when it ends. Against a real redis-server, killed and restarted.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createCache } from '../../src/cache/create-cache.js'
import type { ResponseCache } from '../../src/cache/response-cache.js'
import type { StoreAvailability } from '../../src/cache/store.js'
import { newEntry } from '../../src/cache/entry.js'
import { compileTestConfig } from '../helpers/start-gateway.js'
import { createMetrics } from '../../src/metrics/registry.js'
import type { Metrics } from '../../src/metrics/registry.js'
import { startRedis } from '../helpers/redis-server.js'
import type { TestRedis } from '../helpers/redis-server.js'
import type { CacheConfig } from '../../src/config/types.js'
import type { Message } from '../../src/types/anthropic.js'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'

let redis: TestRedis
let cacheConfig: CacheConfig

before(async () => {
  redis = await startRedis()
  cacheConfig = (await compileTestConfig('cache: { mode: all }', 'http://127.0.0.1:9')).cache
})
after(async () => { await redis.stop() })

async function until (done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function counts (metrics: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const name of ['llm_gateway_cache_operations_total', 'llm_gateway_cache_failures_total']) {
    const metric = await metrics.registry.getSingleMetric(name)?.get()
    for (const value of metric?.values ?? []) {
      const labels = value.labels as Record<string, string>
      out[`${name.replace('llm_gateway_cache_', '').replace('_total', '')}{${labels.operation ?? ''}${labels.result === undefined ? '' : ':' + labels.result}}`] = value.value
    }
  }
  return out
}

const MESSAGE: Message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }

test('Redis down: reads, writes and locks count as errors, once each; the outage is reported once each way', { timeout: 60_000 }, async () => {
  const metrics = createMetrics({ defaultMetrics: false, version: 'test' })
  const cache: ResponseCache = createCache({ redisUrl: redis.url }, () => cacheConfig, metrics)
  const changes: StoreAvailability[] = []
  try {
    cache.watchAvailability((state) => { changes.push(state) })
    await until(() => changes.length === 1, 'the first connection')
    assert.deepEqual(changes[0], { available: true, reason: 'connected' })

    await redis.kill()
    await until(() => changes.length === 2, 'the outage to be reported')
    assert.equal(changes[1]?.available, false)
    assert.match(changes[1]?.reason ?? '', /\S/)

    const before = await counts(metrics)
    assert.equal(await cache.lookup('k1'), null, 'a failed read is served as no entry')
    const claim = await cache.claim('k1')
    assert.equal(claim.role, 'leader', 'a failed lock leads (goes upstream)')
    if (claim.role === 'leader') claim.settle(null)
    cache.store('k1', newEntry(MESSAGE, 'json', Date.now()), 60)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const after = await counts(metrics)
    const delta = (key: string): number => (after[key] ?? 0) - (before[key] ?? 0)
    assert.equal(delta('operations{get:error}'), 1, 'the read is an error')
    assert.equal(delta('operations{get:miss}'), 0, 'not a miss')
    assert.equal(delta('operations{lock:error}'), 1, 'the lock is an error')
    assert.equal(delta('operations{lock:acquired}') + delta('operations{lock:stored}'), 0, 'not a success')
    assert.equal(delta('operations{set:error}'), 1, 'the write is an error')
    assert.equal(delta('failures{get}'), 1, 'one failure per failed read')
    assert.equal(delta('failures{lock}'), 1, 'one failure per failed lock')
    assert.equal(delta('failures{set}'), 1, 'one failure per failed write, not two')

    // More failing commands and reconnection attempts: still one report of the outage.
    for (let i = 0; i < 5; i++) await cache.lookup(`k${i}`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(changes.length, 2)

    await redis.start()
    await until(() => changes.length === 3, 'the recovery to be reported')
    assert.deepEqual(changes[2], { available: true, reason: 'connected' })
    assert.equal(await cache.lookup('k-after'), null)
    const recovered = await counts(metrics)
    assert.equal((recovered['operations{get:miss}'] ?? 0) - (after['operations{get:miss}'] ?? 0), 1, 'a real miss again')
  } finally {
    await cache.close()
  }
})

test('the gateway process logs a Redis outage once when it starts, with the reason, and once when it ends', { timeout: 60_000 }, async () => {
  const sim = await createSimulator()
  const gw = await startGatewayProcess({ ANTHROPIC_UPSTREAM_URL: sim.url, REDIS_URL: redis.url, LOG_LEVEL: 'info' })
  const logLines = (): Array<Record<string, unknown>> => gw.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
  const named = (msg: string): Array<Record<string, unknown>> => logLines().filter((line) => line.msg === msg)
  try {
    await until(() => named('cache store available').length === 1, 'the connection to be logged')
    await redis.kill()
    await until(() => named('cache store unavailable; requests are served uncached until it returns').length === 1, 'the outage to be logged')
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-log', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
    for (let i = 0; i < 5; i++) await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: `during outage ${i}` }] }, { headers: { 'x-gateway-cache': 'on' } })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const down = named('cache store unavailable; requests are served uncached until it returns')
    assert.equal(down.length, 1, 'once, not per failed command or reconnection attempt')
    assert.equal(down[0]?.level, 40, 'a warning')
    assert.match(String(down[0]?.reason), /\S/)
    await redis.start()
    await until(() => named('cache store available').length === 2, 'the recovery to be logged')
    assert.equal(named('cache store unavailable; requests are served uncached until it returns').length, 1)
  } finally {
    await gw.stop()
    await sim.close()
  }
})
