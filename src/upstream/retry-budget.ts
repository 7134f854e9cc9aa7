// Pure. The retry budget: fallback attempts (the next model in a chain, or the primary again after
// a retry-after wait) may be at most `ratio` of first attempts over a rolling window, plus a
// floor. When every upstream model is failing, fallbacks would otherwise multiply the load on an
// API that is already down (Envoy's and Finagle's retry budgets work the same way).

import { RollingCounts } from './rolling-counts.js'

export interface RetryBudgetSettings {
  /** Fallback attempts allowed per first attempt, 0–1 (0.2 = one in five). */
  ratio: number
  /** Fallback attempts always allowed per window, so a quiet gateway can still fall back. */
  minPerWindow: number
  windowMs: number
}

export class RetryBudget {
  private readonly window = new RollingCounts(['first', 'retries'] as const)

  recordFirstAttempt (nowMs: number, settings: RetryBudgetSettings): void {
    this.window.add(nowMs, settings.windowMs, 'first')
  }

  /** Takes one fallback attempt from the budget; false when it is spent. */
  tryRetry (nowMs: number, settings: RetryBudgetSettings): boolean {
    const { first, retries } = this.window.sum(nowMs, settings.windowMs)
    if (retries >= settings.minPerWindow + settings.ratio * first) return false
    this.window.add(nowMs, settings.windowMs, 'retries')
    return true
  }
}
