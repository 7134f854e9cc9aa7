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

async function batchScenario (store: LimitStore, tenant: string): Promise<unknown[]> {
  const seen: unknown[] = []
  seen.push(await store.batchOwner('msgbatch_1'))
  await store.rememberBatch('msgbatch_1', { tenant, keyId: 'k1' }, 60)
  await store.rememberBatch('msgbatch_2', { tenant, keyId: null }, 60)
  seen.push(await store.batchOwner('msgbatch_1'), await store.batchOwner('msgbatch_2'))
  // Past 2^53 pico-USD too: the charge is int64 text all the way.
  const first = await store.chargeBatch(tenant, SCOPES, 'msgbatch_1', 9_000_000_000_000_001n, PERIODS, 60)
  seen.push(first?.map((t) => [t.dayPico, t.monthPico]) ?? null)
  // The same batch again (a second download, on any replica): nothing more.
  seen.push(await store.chargeBatch(tenant, SCOPES, 'msgbatch_1', 5n, PERIODS, 60))
  const other = await store.chargeBatch(tenant, SCOPES.slice(0, 1), 'msgbatch_2', 2n, PERIODS, 60)
  seen.push(other?.map((t) => [t.dayPico, t.monthPico]) ?? null)
  const spend = await store.spend(tenant, ['k1'], PERIODS)
  seen.push([spend.tenant.dayPico, spend.keys.get('k1')?.dayPico])
  return seen
}

test('Redis and memory agree on batch owners and on charging a batch once', async () => {
  const memory = await batchScenario(createMemoryLimitStore(), 'batcher')
  const viaRedis = await batchScenario(createRedisLimitStore(client), 'batcher')
  assert.deepEqual(viaRedis, memory)
  assert.deepEqual(memory, [
    null,
    { tenant: 'batcher', keyId: 'k1' },
    { tenant: 'batcher', keyId: null },
    [[9_000_000_000_000_001n, 9_000_000_000_000_001n], [9_000_000_000_000_001n, 9_000_000_000_000_001n]],
    null,
    [[9_000_000_000_000_003n, 9_000_000_000_000_003n]],
    [9_000_000_000_000_003n, 9_000_000_000_000_001n]
  ])
  const ttl = await client.ttl('thriftline:v1:tenancy:{batch:msgbatch_1}:owner')
  assert.ok(ttl > 0 && ttl <= 60, `owner TTL ${ttl}`)
  assert.ok(await client.ttl('thriftline:v1:tenancy:{batcher}:batch-charged:msgbatch_1') > 0)
})

test('every Redis key of a tenant carries its {tenant} hash tag; a batch owner its batch id (one slot per call, Cluster-safe)', async () => {
  const keys = await client.keys('thriftline:v1:tenancy:*')
  assert.ok(keys.length >= 4)
  for (const key of keys) assert.match(key, /^thriftline:v1:tenancy:(\{acme\}:|\{batcher\}:|\{batch:msgbatch_\d\}:owner$)/)
})
