// The two limit stores (Redis Lua scripts against a real redis-server, and memory) behave the same
// on one table of reservations, corrections and charges; the Redis one keeps int64 spend exact
// (past 2^53 pico-USD, where Lua numbers would round) and puts each tenant in one hash slot.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { createMemoryLimitStore } from '../../src/tenancy/memory-limit-store.js'
import { createRedisLimitStore } from '../../src/tenancy/redis-limit-store.js'
import type { LimitStore, ScopeRef } from '../../src/tenancy/limit-store.js'
import { NO_LIMITS } from '../../src/tenancy/limits.js'
import { startRedis } from '../helpers/redis-server.js'
import type { TestRedis } from '../helpers/redis-server.js'

let redis: TestRedis
let client: Redis

before(async () => {
  redis = await startRedis()
  client = new Redis(redis.url)
})
after(async () => {
  client.disconnect()
  await redis.stop()
})

const PERIODS = { day: '2026-11-20', month: '2026-11' }
const SCOPES: ScopeRef[] = [
  { scope: 'tenant', keyId: '', limits: { ...NO_LIMITS, requestsPerMinute: 3, inputTokensPerMinute: 1000 } },
  { scope: 'key', keyId: 'k1', limits: { ...NO_LIMITS, outputTokensPerMinute: 300 } }
]
const COST = { requests: 1, inputTokens: 200, outputTokens: 100 }

async function scenario (store: LimitStore, tenant: string): Promise<unknown[]> {
  const seen: unknown[] = []
  const first = await store.admit(tenant, SCOPES, COST, PERIODS)
  seen.push([first.blockedScope, first.blockedLimit, first.counters.map((c) => [c.requests, c.inputTokens, c.outputTokens])])
  // The answer used less output than max_tokens: the correction frees room for more.
  await store.adjust(tenant, SCOPES, first.window, { requests: 0, inputTokens: -50, outputTokens: -90 })
  for (let i = 0; i < 3; i++) {
    const next = await store.admit(tenant, SCOPES, COST, PERIODS)
    seen.push([next.blockedScope, next.blockedLimit, next.counters.map((c) => [c.requests, c.inputTokens, c.outputTokens])])
  }
  const big = 9_000_000_000_000_001n
  await store.charge(tenant, SCOPES, big, PERIODS)
  const totals = await store.charge(tenant, SCOPES, 3n, PERIODS)
  seen.push(totals.map((t) => [t.dayPico, t.monthPico]))
  const spend = await store.spend(tenant, ['k1', 'k2'], PERIODS)
  seen.push([spend.tenant.dayPico, spend.keys.get('k1')?.dayPico, spend.keys.get('k2')?.dayPico])
  return seen
}

test('Redis scripts and the memory store agree on a table of reservations, corrections and charges', async () => {
  const memory = await scenario(createMemoryLimitStore(), 'acme')
  const viaRedis = await scenario(createRedisLimitStore(client), 'acme')
  assert.deepEqual(viaRedis, memory)
  assert.deepEqual(memory, [
    [null, null, [[1, 200, 100], [1, 200, 100]]],
    [null, null, [[2, 350, 110], [2, 350, 110]]],
    [null, null, [[3, 550, 210], [3, 550, 210]]],
    // The 4th request: the tenant's 3/min binds first; nothing was reserved.
    [0, 'requests_per_minute', [[3, 550, 210], [3, 550, 210]]],
    [[9_000_000_000_000_004n, 9_000_000_000_000_004n], [9_000_000_000_000_004n, 9_000_000_000_000_004n]],
    [9_000_000_000_000_004n, 9_000_000_000_000_004n, 0n]
  ])
})

test('every Redis key of a tenant carries its {tenant} hash tag (one slot per script call, Cluster-safe)', async () => {
  const keys = await client.keys('thriftline:v1:tenancy:*')
  assert.ok(keys.length >= 4)
  for (const key of keys) assert.match(key, /^thriftline:v1:tenancy:\{acme\}:/)
})
