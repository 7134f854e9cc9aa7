// Pure. One upstream model's circuit breaker: closed → open after a burst of failures (connect
// errors, timeouts, 5xx, 529) in a rolling window; open → half-open after a cool-down, when ONE
// trial request is let through; the trial's result closes or re-opens it. No timers: every call
// takes the current time, so a table of (time, event) rows tests the whole machine.

import { RollingCounts } from './rolling-counts.js'

export type BreakerState = 'closed' | 'open' | 'half_open'

/** What one attempt said about the model's health. `neutral`: nothing (429, client gone). */
export type AttemptVerdict = 'success' | 'failure' | 'neutral'

export interface BreakerSettings {
  enabled: boolean
  /** Failures in the window before it may open (a handful of errors on a quiet model is a burst). */
  minFailures: number
  /** …and the share of attempts in the window that failed, 0–1 (a busy model's 0.5 % 5xx is not). */
  failureRatio: number
  windowMs: number
  /** How long it stays open before a trial request is let through. */
  coolDownMs: number
}

/**
 * `allow`: go ahead, report the verdict with `wasTrial: false`; `trial`: the half-open probe, report
 * with `wasTrial: true`; `reject`: do not call this model now.
 */
export type Admission = 'allow' | 'trial' | 'reject'

export interface Transition { from: BreakerState; to: BreakerState }

export class CircuitBreaker {
  private current: BreakerState = 'closed'
  private openedAtMs = 0
  /** When the half-open trial went out; null when none is in flight. */
  private trialSinceMs: number | null = null
  private readonly window = new RollingCounts(['attempts', 'failures'] as const)

  state (): BreakerState {
    return this.current
  }

  /** When a rejected caller may expect the next trial (ms since epoch). */
  retryAtMs (settings: BreakerSettings): number {
    return this.openedAtMs + settings.coolDownMs
  }

  /** Whether a request may go to the model now; may move open → half-open (returned). */
  admit (nowMs: number, settings: BreakerSettings): { admission: Admission; transition: Transition | null } {
    if (!settings.enabled || this.current === 'closed') return { admission: 'allow', transition: null }
    let transition: Transition | null = null
    if (this.current === 'open') {
      if (nowMs < this.openedAtMs + settings.coolDownMs) return { admission: 'reject', transition: null }
      transition = this.move('half_open')
    }
    // A trial that never reported back (hung past every timeout, lost) must not wedge the breaker:
    // after another cool-down a new trial goes out.
    if (this.trialSinceMs !== null && nowMs < this.trialSinceMs + settings.coolDownMs) return { admission: 'reject', transition }
    this.trialSinceMs = nowMs
    return { admission: 'trial', transition }
  }

  /** The verdict of an admitted attempt; returns the state change it caused, if any. */
  record (nowMs: number, verdict: AttemptVerdict, wasTrial: boolean, settings: BreakerSettings): Transition | null {
    if (!settings.enabled) return this.current === 'closed' ? null : this.reset()
    if (wasTrial) {
      if (this.current !== 'half_open') return null
      this.trialSinceMs = null
      if (verdict === 'success') return this.reset()
      if (verdict === 'failure') return this.open(nowMs)
      return null
    }
    // Answers to requests admitted before it opened say nothing new.
    if (this.current !== 'closed' || verdict === 'neutral') return null
    this.window.add(nowMs, settings.windowMs, 'attempts')
    if (verdict === 'success') return null
    this.window.add(nowMs, settings.windowMs, 'failures')
    const { attempts, failures } = this.window.sum(nowMs, settings.windowMs)
    if (failures >= settings.minFailures && failures >= settings.failureRatio * attempts) return this.open(nowMs)
    return null
  }

  /** True when it holds nothing worth keeping (closed, nothing in the window). */
  isIdle (nowMs: number, settings: BreakerSettings): boolean {
    return this.current === 'closed' && this.window.sum(nowMs, settings.windowMs).attempts === 0
  }

  private open (nowMs: number): Transition {
    this.openedAtMs = nowMs
    this.trialSinceMs = null
    return this.move('open')
  }

  private reset (): Transition {
    this.window.clear()
    this.trialSinceMs = null
    return this.move('closed')
  }

  private move (to: BreakerState): Transition {
    const transition = { from: this.current, to }
    this.current = to
    return transition
  }
}
