// The limits store's contract: atomic rate-window reservations and exact spend counters, per
// tenant and per key. Implemented in Redis (redis-limit-store.ts, shared by every replica) and in
// memory (memory-limit-store.ts, one process). A store that cannot answer throws StoreUnavailable.

import type { RateCost } from './limits.js'
import type { Limits } from './limits.js'

/** A tenant's counters, or one of its keys' (`keyId`). */
export interface ScopeRef {
  scope: 'tenant' | 'key'
  /** The key id for a key scope; '' for the tenant. */
  keyId: string
  limits: Limits
}

export interface ScopeCounters {
  requests: number
  inputTokens: number
  outputTokens: number
  dayPico: bigint
  monthPico: bigint
}

export interface AdmitResult {
  /** Index into the scopes of the one whose limit refused the cost; null when all was reserved. */
  blockedScope: number | null
  blockedLimit: 'requests_per_minute' | 'input_tokens_per_minute' | 'output_tokens_per_minute' | null
  /** The window the cost was charged to (reconcile in the same one). */
  window: number
  resetInMs: number
  /** Per scope, after the reservation (or as they were, when refused). */
  counters: ScopeCounters[]
}

export interface Periods { day: string; month: string }

/** Who created a Message Batch: its results are charged to them, whoever downloads them. */
export interface BatchOwner {
  tenant: string
  /** The gateway key that created it; null for a passthrough tenant's batch. */
  keyId: string | null
}

export type SpendTotals = Array<{ dayPico: bigint; monthPico: bigint }>

export interface LimitStore {
  kind: 'redis' | 'memory'
  /** Reserves `cost` in every scope's current window if it fits in all of them; reads spend too. */
  admit (tenant: string, scopes: readonly ScopeRef[], cost: RateCost, periods: Periods): Promise<AdmitResult>
  /** Adds `delta` (may be negative) to the counters of `window`, if it is still the current one. */
  adjust (tenant: string, scopes: readonly ScopeRef[], window: number, delta: RateCost): Promise<void>
  /** Adds spend; returns every scope's day and month totals after it. */
  charge (tenant: string, scopes: readonly ScopeRef[], pico: bigint, periods: Periods): Promise<SpendTotals>
  /** Records who created a batch, for `ttlSeconds` (as long as the API keeps its results). */
  rememberBatch (batchId: string, owner: BatchOwner, ttlSeconds: number): Promise<void>
  /** Who created a batch; null when it was not recorded (or has expired). */
  batchOwner (batchId: string): Promise<BatchOwner | null>
  /**
   * Adds a batch's spend once per batch id: the mark and the charge are one step, so a second
   * download (on any replica) or a retry after a failure never charges twice nor loses the charge.
   * Null when the batch was already charged.
   */
  chargeBatch (tenant: string, scopes: readonly ScopeRef[], batchId: string, pico: bigint, periods: Periods, ttlSeconds: number): Promise<SpendTotals | null>
  /** Spend of the tenant and of the given keys, for the admin API. */
  spend (tenant: string, keyIds: readonly string[], periods: Periods): Promise<{ tenant: { dayPico: bigint; monthPico: bigint }; keys: Map<string, { dayPico: bigint; monthPico: bigint }> }>
  close (): Promise<void>
}

export class StoreUnavailable extends Error {
  constructor (cause: unknown) {
    super(`limits store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'StoreUnavailable'
  }
}

/** -1 is "no limit" in the scripts' argument lists. */
export function limitArgs (limits: Limits): [number, number, number] {
  return [limits.requestsPerMinute ?? -1, limits.inputTokensPerMinute ?? -1, limits.outputTokensPerMinute ?? -1]
}

/** Spend counters are kept a little past their period, so the admin API can still read them. */
export const DAY_TTL_SECONDS = 3 * 86_400
export const MONTH_TTL_SECONDS = 62 * 86_400

/** An owner record as stored (JSON); null for anything this code did not write. */
export function decodeBatchOwner (text: string | null): BatchOwner | null {
  if (text === null) return null
  try {
    const parsed = JSON.parse(text) as { tenant?: unknown; key?: unknown }
    if (typeof parsed.tenant !== 'string') return null
    return { tenant: parsed.tenant, keyId: typeof parsed.key === 'string' ? parsed.key : null }
  } catch {
    return null
  }
}

export function encodeBatchOwner (owner: BatchOwner): string {
  return JSON.stringify({ tenant: owner.tenant, key: owner.keyId })
}
