// The limits store of one process (no REDIS_URL): the same window arithmetic as the Redis scripts,
// on Maps. Spend is lost on restart; docs/operations.md says so.

import type { BatchOwner, LimitStore, ScopeCounters, ScopeRef } from './limit-store.js'
import { addCost, currentState, exceededLimit, msUntilWindowEnds, windowOf } from './limits.js'
import type { RateCost, WindowState } from './limits.js'

/** Batch owners and charge marks kept at most (expired ones are swept first). */
const MAX_BATCH_ENTRIES = 100_000

const scopeId = (tenant: string, scope: ScopeRef | string): string => `${tenant}\u0000${typeof scope === 'string' ? scope : scope.keyId}`

export function createMemoryLimitStore (options: { now?: () => number } = {}): LimitStore {
  const now = options.now ?? Date.now
  const windows = new Map<string, WindowState>()
  const spends = new Map<string, bigint>()
  const spendOf = (id: string, period: string): bigint => spends.get(`${id}\u0000${period}`) ?? 0n
  const owners = new Map<string, { owner: BatchOwner; untilMs: number }>()
  const charged = new Map<string, number>()
  const sweep = <T>(entries: Map<string, T>, until: (entry: T) => number): void => {
    if (entries.size < MAX_BATCH_ENTRIES) return
    const nowMs = now()
    for (const [id, entry] of entries) if (until(entry) <= nowMs) entries.delete(id)
  }
  const charge: LimitStore['charge'] = async (tenant, scopes, pico, periods) => scopes.map((scope) => {
    const id = scopeId(tenant, scope)
    const totals = { dayPico: spendOf(id, periods.day) + pico, monthPico: spendOf(id, periods.month) + pico }
    spends.set(`${id}\u0000${periods.day}`, totals.dayPico)
    spends.set(`${id}\u0000${periods.month}`, totals.monthPico)
    return totals
  })

  return {
    kind: 'memory',
    async admit (tenant, scopes, cost, periods) {
      const nowMs = now()
      const window = windowOf(nowMs)
      const states = scopes.map((scope) => currentState(windows.get(scopeId(tenant, scope)), window))
      let blockedScope: number | null = null
      let blockedLimit: ReturnType<typeof exceededLimit> = null
      for (let i = 0; i < scopes.length && blockedScope === null; i++) {
        blockedLimit = exceededLimit(states[i] as WindowState, cost, (scopes[i] as ScopeRef).limits)
        if (blockedLimit !== null) blockedScope = i
      }
      const after = blockedScope === null ? states.map((state) => addCost(state, cost)) : states
      if (blockedScope === null) scopes.forEach((scope, i) => windows.set(scopeId(tenant, scope), after[i] as WindowState))
      const counters: ScopeCounters[] = scopes.map((scope, i) => {
        const state = after[i] as WindowState
        const id = scopeId(tenant, scope)
        return { requests: state.requests, inputTokens: state.inputTokens, outputTokens: state.outputTokens, dayPico: spendOf(id, periods.day), monthPico: spendOf(id, periods.month) }
      })
      return { blockedScope, blockedLimit: blockedLimit?.name ?? null, window, resetInMs: msUntilWindowEnds(nowMs), counters }
    },
    async adjust (tenant, scopes, window, delta: RateCost) {
      for (const scope of scopes) {
        const id = scopeId(tenant, scope)
        const state = windows.get(id)
        if (state !== undefined && state.window === window) windows.set(id, addCost(state, delta))
      }
    },
    charge,
    async rememberBatch (batchId, owner, ttlSeconds) {
      sweep(owners, (entry) => entry.untilMs)
      owners.set(batchId, { owner: { ...owner }, untilMs: now() + ttlSeconds * 1000 })
    },
    async batchOwner (batchId) {
      const entry = owners.get(batchId)
      return entry === undefined || entry.untilMs <= now() ? null : { ...entry.owner }
    },
    async chargeBatch (tenant, scopes, batchId, pico, periods, ttlSeconds) {
      const mark = scopeId(tenant, batchId)
      const until = charged.get(mark)
      if (until !== undefined && until > now()) return null
      sweep(charged, (untilMs) => untilMs)
      charged.set(mark, now() + ttlSeconds * 1000)
      return await charge(tenant, scopes, pico, periods)
    },
    async spend (tenant, keyIds, periods) {
      const read = (keyId: string) => {
        const id = scopeId(tenant, keyId)
        return { dayPico: spendOf(id, periods.day), monthPico: spendOf(id, periods.month) }
      }
      return { tenant: read(''), keys: new Map(keyIds.map((keyId) => [keyId, read(keyId)])) }
    },
    async close () {}
  }
}
