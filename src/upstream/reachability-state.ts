// Pure. Whether the upstream is reachable, from a sequence of observations (requests that got an
// answer or failed to connect, and probes), with hysteresis so that a mixed run of successes and
// failures does not flap: it takes FAILURES_TO_DOWN failures in a row to call the upstream
// unreachable and SUCCESSES_TO_UP successes in a row to call it reachable again. Until the first
// verdict the state is `unknown`, except that one success is verdict enough.

export type Reachability = 'reachable' | 'unreachable' | 'unknown'

export const FAILURES_TO_DOWN = 3
export const SUCCESSES_TO_UP = 2

export interface ReachabilityState {
  state: Reachability
  /** When the state last changed (ms), null while unknown. */
  sinceMs: number | null
  /** The last observation (ms), null before any. */
  checkedAtMs: number | null
  /** The last failure's cause, kept until the upstream is reachable again. */
  lastError: string | null
  /** Consecutive observations of the same outcome, positive for successes, negative for failures. */
  streak: number
}

export const INITIAL: Readonly<ReachabilityState> = Object.freeze({ state: 'unknown', sinceMs: null, checkedAtMs: null, lastError: null, streak: 0 })

/** The state after one observation: `error` null for a success, the cause for a failure. */
export function observe (before: Readonly<ReachabilityState>, error: string | null, nowMs: number): ReachabilityState {
  const ok = error === null
  const streak = ok ? Math.max(0, before.streak) + 1 : Math.min(0, before.streak) - 1
  let state = before.state
  if (ok && (state === 'unknown' || (state === 'unreachable' && streak >= SUCCESSES_TO_UP))) state = 'reachable'
  if (!ok && state !== 'unreachable' && -streak >= FAILURES_TO_DOWN) state = 'unreachable'
  return {
    state,
    sinceMs: state === before.state ? before.sinceMs : nowMs,
    checkedAtMs: nowMs,
    lastError: ok ? (state === 'reachable' ? null : before.lastError) : error,
    streak
  }
}
