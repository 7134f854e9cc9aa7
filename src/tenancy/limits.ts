// Pure. The per-tenant and per-key limits and the fixed one-minute window arithmetic shared by the
// in-memory limiter and (written again in Lua) the Redis one; test/unit/tenancy holds the table.

export interface Limits {
  requestsPerMinute: number | null
  inputTokensPerMinute: number | null
  outputTokensPerMinute: number | null
  picoUsdPerDay: bigint | null
  picoUsdPerMonth: bigint | null
}

export const NO_LIMITS: Limits = { requestsPerMinute: null, inputTokensPerMinute: null, outputTokensPerMinute: null, picoUsdPerDay: null, picoUsdPerMonth: null }

export type RateLimitName = 'requests_per_minute' | 'input_tokens_per_minute' | 'output_tokens_per_minute'
export type BudgetName = 'usd_per_day' | 'usd_per_month'

/** What one request charges to the rate windows: 1 request, estimated input, max_tokens of output. */
export interface RateCost {
  requests: number
  inputTokens: number
  outputTokens: number
}

/** One scope's counters in the current window (the minute number since the epoch). */
export interface WindowState {
  window: number
  requests: number
  inputTokens: number
  outputTokens: number
}

export const WINDOW_MS = 60_000

export function hasRateLimits (limits: Limits): boolean {
  return limits.requestsPerMinute !== null || limits.inputTokensPerMinute !== null || limits.outputTokensPerMinute !== null
}

export function hasBudgets (limits: Limits): boolean {
  return limits.picoUsdPerDay !== null || limits.picoUsdPerMonth !== null
}

export function windowOf (nowMs: number): number {
  return Math.floor(nowMs / WINDOW_MS)
}

/** The state as of `window`: counters of an older window no longer count. */
export function currentState (state: WindowState | undefined, window: number): WindowState {
  if (state === undefined || state.window !== window) return { window, requests: 0, inputTokens: 0, outputTokens: 0 }
  return state
}

const CHECKS: ReadonlyArray<[RateLimitName, keyof RateCost & keyof WindowState, keyof Limits]> = [
  ['requests_per_minute', 'requests', 'requestsPerMinute'],
  ['input_tokens_per_minute', 'inputTokens', 'inputTokensPerMinute'],
  ['output_tokens_per_minute', 'outputTokens', 'outputTokensPerMinute']
]

/** The first limit this cost would pass in this window, or null when it fits. */
export function exceededLimit (state: WindowState, cost: RateCost, limits: Limits): { name: RateLimitName; limit: number; used: number } | null {
  for (const [name, counter, limitKey] of CHECKS) {
    const limit = limits[limitKey] as number | null
    if (limit !== null && state[counter] + cost[counter] > limit) return { name, limit, used: state[counter] }
  }
  return null
}

export function addCost (state: WindowState, cost: RateCost): WindowState {
  return {
    window: state.window,
    requests: state.requests + cost.requests,
    inputTokens: state.inputTokens + cost.inputTokens,
    outputTokens: state.outputTokens + cost.outputTokens
  }
}

/** Milliseconds until the window that holds `nowMs` ends. */
export function msUntilWindowEnds (nowMs: number): number {
  return WINDOW_MS - (nowMs % WINDOW_MS)
}

/** UTC day and month a spend belongs to. */
export function spendPeriods (nowMs: number): { day: string; month: string } {
  const iso = new Date(nowMs).toISOString()
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) }
}
