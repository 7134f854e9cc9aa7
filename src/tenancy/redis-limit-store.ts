// The limits store every replica shares: each reservation, correction and charge is one Lua script
// run inside Redis, so concurrent requests on any number of replicas cannot both take the last unit
// (no read-modify-write in the gateway). Every key of one call carries the tenant as its hash tag
// (`{tenant}`), so a script touches one hash slot and works on Redis Cluster too. Windows follow
// Redis's clock (TIME), not each replica's.

import type { Cluster, Redis } from 'ioredis'
import type { AdmitResult, LimitStore, Periods, ScopeRef } from './limit-store.js'
import { DAY_TTL_SECONDS, MONTH_TTL_SECONDS, StoreUnavailable, decodeBatchOwner, encodeBatchOwner, limitArgs } from './limit-store.js'
import type { RateCost } from './limits.js'
import { WINDOW_MS } from './limits.js'

export const TENANCY_PREFIX = 'thriftline:v1:tenancy:'

/** KEYS: n rate hashes, n day counters, n month counters. ARGV: n, cost r/i/o, then limits r/i/o per scope (-1 = none). */
const ADMIT = `
local n = tonumber(ARGV[1])
local cost = { tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]) }
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = math.floor(nowMs / ${WINDOW_MS})
local states = {}
local blocked, which = 0, 0
for s = 1, n do
  local h = redis.call('HMGET', KEYS[s], 'w', 'r', 'i', 'o')
  local st = { 0, 0, 0 }
  if tonumber(h[1]) == window then st = { tonumber(h[2]) or 0, tonumber(h[3]) or 0, tonumber(h[4]) or 0 } end
  states[s] = st
  if blocked == 0 then
    for c = 1, 3 do
      local limit = tonumber(ARGV[4 + (s - 1) * 3 + c])
      if limit >= 0 and st[c] + cost[c] > limit then blocked, which = s, c; break end
    end
  end
end
if blocked == 0 then
  for s = 1, n do
    local st = states[s]
    st[1], st[2], st[3] = st[1] + cost[1], st[2] + cost[2], st[3] + cost[3]
    redis.call('HSET', KEYS[s], 'w', window, 'r', st[1], 'i', st[2], 'o', st[3])
    redis.call('PEXPIRE', KEYS[s], ${2 * WINDOW_MS})
  end
end
local out = { blocked, which, window, ${WINDOW_MS} - (nowMs % ${WINDOW_MS}) }
for s = 1, n do
  out[#out + 1] = states[s][1]
  out[#out + 1] = states[s][2]
  out[#out + 1] = states[s][3]
  out[#out + 1] = redis.call('GET', KEYS[n + s]) or '0'
  out[#out + 1] = redis.call('GET', KEYS[2 * n + s]) or '0'
end
return out
`

/** KEYS: rate hashes. ARGV: window, delta r/i/o. Only the window the cost went to is corrected. */
const ADJUST = `
for s = 1, #KEYS do
  if tonumber(redis.call('HGET', KEYS[s], 'w')) == tonumber(ARGV[1]) then
    redis.call('HINCRBY', KEYS[s], 'r', ARGV[2])
    redis.call('HINCRBY', KEYS[s], 'i', ARGV[3])
    redis.call('HINCRBY', KEYS[s], 'o', ARGV[4])
  end
end
return 1
`

/** KEYS: n day counters, n month counters. ARGV: pico-USD (an int64 in text: Lua numbers are doubles), day TTL, month TTL. Returns the totals as text. */
const CHARGE = `
local n = #KEYS / 2
local out = {}
for s = 1, n do
  redis.call('INCRBY', KEYS[s], ARGV[1])
  redis.call('EXPIRE', KEYS[s], ARGV[2])
  redis.call('INCRBY', KEYS[n + s], ARGV[1])
  redis.call('EXPIRE', KEYS[n + s], ARGV[3])
  out[#out + 1] = redis.call('GET', KEYS[s])
  out[#out + 1] = redis.call('GET', KEYS[n + s])
end
return out
`

/**
 * KEYS: the batch's charge mark, then n day counters, n month counters (all in the tenant's slot).
 * ARGV: pico-USD, day TTL, month TTL, mark TTL. Returns nil when the batch was already charged.
 */
const CHARGE_BATCH = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then return nil end
local n = (#KEYS - 1) / 2
local out = {}
for s = 1, n do
  redis.call('INCRBY', KEYS[1 + s], ARGV[1])
  redis.call('EXPIRE', KEYS[1 + s], ARGV[2])
  redis.call('INCRBY', KEYS[1 + n + s], ARGV[1])
  redis.call('EXPIRE', KEYS[1 + n + s], ARGV[3])
  out[#out + 1] = redis.call('GET', KEYS[1 + s])
  out[#out + 1] = redis.call('GET', KEYS[1 + n + s])
end
return out
`

type TenancyRedis = (Redis | Cluster) & {
  tlAdmit: (...args: Array<string | number>) => Promise<Array<number | string>>
  tlAdjust: (...args: Array<string | number>) => Promise<number>
  tlCharge: (...args: Array<string | number>) => Promise<string[]>
  tlChargeBatch: (...args: Array<string | number>) => Promise<string[] | null>
}

/** `{tenant}` is the hash tag: all of a tenant's counters (and its keys') share a slot. */
function base (tenant: string): string {
  return `${TENANCY_PREFIX}{${tenant}}:`
}
const scopeName = (keyId: string): string => keyId === '' ? 't' : `k:${keyId}`
const rateKey = (tenant: string, scope: ScopeRef): string => `${base(tenant)}rate:${scopeName(scope.keyId)}`
const spendKey = (tenant: string, keyId: string, period: string): string => `${base(tenant)}spend:${scopeName(keyId)}:${period}`
const batchChargedKey = (tenant: string, batchId: string): string => `${base(tenant)}batch-charged:${batchId}`
/** Read by batch id alone (the owner is not known yet), so the batch id is its own hash tag. */
const batchOwnerKey = (batchId: string): string => `${TENANCY_PREFIX}{batch:${batchId}}:owner`

export function createRedisLimitStore (client: Redis | Cluster): LimitStore {
  const redis = client as TenancyRedis
  redis.defineCommand('tlAdmit', { lua: ADMIT })
  redis.defineCommand('tlAdjust', { lua: ADJUST })
  redis.defineCommand('tlCharge', { lua: CHARGE })
  redis.defineCommand('tlChargeBatch', { lua: CHARGE_BATCH })
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (err) {
      throw new StoreUnavailable(err)
    }
  }

  return {
    kind: 'redis',
    async admit (tenant, scopes, cost, periods: Periods): Promise<AdmitResult> {
      const keys = [
        ...scopes.map((scope) => rateKey(tenant, scope)),
        ...scopes.map((scope) => spendKey(tenant, scope.keyId, periods.day)),
        ...scopes.map((scope) => spendKey(tenant, scope.keyId, periods.month))
      ]
      const args = [scopes.length, cost.requests, cost.inputTokens, cost.outputTokens, ...scopes.flatMap((scope) => limitArgs(scope.limits))]
      const out = await call(() => redis.tlAdmit(keys.length, ...keys, ...args))
      const blocked = Number(out[0])
      const which = Number(out[1])
      return {
        blockedScope: blocked === 0 ? null : blocked - 1,
        blockedLimit: blocked === 0 ? null : (['requests_per_minute', 'input_tokens_per_minute', 'output_tokens_per_minute'] as const)[which - 1] ?? null,
        window: Number(out[2]),
        resetInMs: Number(out[3]),
        counters: scopes.map((_, i) => {
          const at = 4 + i * 5
          return { requests: Number(out[at]), inputTokens: Number(out[at + 1]), outputTokens: Number(out[at + 2]), dayPico: BigInt(out[at + 3] ?? 0), monthPico: BigInt(out[at + 4] ?? 0) }
        })
      }
    },
    async adjust (tenant, scopes, window, delta: RateCost) {
      const keys = scopes.map((scope) => rateKey(tenant, scope))
      await call(() => redis.tlAdjust(keys.length, ...keys, window, delta.requests, delta.inputTokens, delta.outputTokens))
    },
    async charge (tenant, scopes, pico, periods) {
      const keys = [...scopes.map((scope) => spendKey(tenant, scope.keyId, periods.day)), ...scopes.map((scope) => spendKey(tenant, scope.keyId, periods.month))]
      const out = await call(() => redis.tlCharge(keys.length, ...keys, pico.toString(), DAY_TTL_SECONDS, MONTH_TTL_SECONDS))
      return scopes.map((_, i) => ({ dayPico: BigInt(out[i * 2] ?? 0), monthPico: BigInt(out[i * 2 + 1] ?? 0) }))
    },
    async rememberBatch (batchId, owner, ttlSeconds) {
      await call(() => redis.set(batchOwnerKey(batchId), encodeBatchOwner(owner), 'EX', ttlSeconds))
    },
    async batchOwner (batchId) {
      return decodeBatchOwner(await call(() => redis.get(batchOwnerKey(batchId))))
    },
    async chargeBatch (tenant, scopes, batchId, pico, periods, ttlSeconds) {
      const keys = [
        batchChargedKey(tenant, batchId),
        ...scopes.map((scope) => spendKey(tenant, scope.keyId, periods.day)),
        ...scopes.map((scope) => spendKey(tenant, scope.keyId, periods.month))
      ]
      const out = await call(() => redis.tlChargeBatch(keys.length, ...keys, pico.toString(), DAY_TTL_SECONDS, MONTH_TTL_SECONDS, ttlSeconds))
      if (out === null) return null
      return scopes.map((_, i) => ({ dayPico: BigInt(out[i * 2] ?? 0), monthPico: BigInt(out[i * 2 + 1] ?? 0) }))
    },
    async spend (tenant, keyIds, periods) {
      const ids = ['', ...keyIds]
      const keys = ids.flatMap((keyId) => [spendKey(tenant, keyId, periods.day), spendKey(tenant, keyId, periods.month)])
      // One slot (the tenant's hash tag): MGET is allowed on Cluster.
      const values = await call(() => redis.mget(...keys))
      const read = (i: number) => ({ dayPico: BigInt(values[i * 2] ?? 0), monthPico: BigInt(values[i * 2 + 1] ?? 0) })
      return { tenant: read(0), keys: new Map(keyIds.map((keyId, i) => [keyId, read(i + 1)])) }
    },
    async close () {}
  }
}
