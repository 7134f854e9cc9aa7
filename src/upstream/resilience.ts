// The gateway's memory of upstream health, shared by every request of one process: a circuit
// breaker per model and one retry budget. Survives config reloads (settings are read per call).
// Bounded: model names come from clients, so closed breakers with nothing to remember are
// dropped first when the table is full, and a full table of open ones tracks no more models.

import type { UpstreamConfig } from '../config/types.js'
import { CircuitBreaker } from './circuit-breaker.js'
import type { Admission, AttemptVerdict, BreakerState, Transition } from './circuit-breaker.js'
import { RetryBudget } from './retry-budget.js'

export interface ResilienceEvents {
  /** A model got a breaker (its first failure): its series can be created at zero. */
  tracked (model: string): void
  transition (model: string, transition: Transition): void
  shortCircuit (model: string): void
  budgetExhausted (): void
}

export interface Resilience {
  /** Whether `model` may be called now (`reject`: skip it). */
  admit (model: string, upstream: UpstreamConfig): Admission
  record (model: string, verdict: AttemptVerdict, admission: Admission, upstream: UpstreamConfig): void
  /** Ms since epoch when the earliest of these open breakers lets a trial through. */
  retryAtMs (models: readonly string[], upstream: UpstreamConfig): number
  recordFirstAttempt (upstream: UpstreamConfig): void
  tryRetry (upstream: UpstreamConfig): boolean
  /** Every tracked model's state, for the gauge. */
  states (): Array<[string, BreakerState]>
}

export const MAX_TRACKED_MODELS = 512

const SILENT: ResilienceEvents = { tracked () {}, transition () {}, shortCircuit () {}, budgetExhausted () {} }

export function createResilience (options: { now?: () => number; events?: ResilienceEvents } = {}): Resilience {
  const now = options.now ?? Date.now
  const events = options.events ?? SILENT
  const breakers = new Map<string, CircuitBreaker>()
  const budget = new RetryBudget()

  function breakerFor (model: string, upstream: UpstreamConfig): CircuitBreaker | null {
    const known = breakers.get(model)
    if (known !== undefined) return known
    if (breakers.size >= MAX_TRACKED_MODELS && !evictIdle(upstream)) return null
    const breaker = new CircuitBreaker()
    breakers.set(model, breaker)
    events.tracked(model)
    return breaker
  }

  function evictIdle (upstream: UpstreamConfig): boolean {
    const nowMs = now()
    let evicted = false
    for (const [model, breaker] of breakers) {
      if (breaker.isIdle(nowMs, upstream.circuitBreaker)) { breakers.delete(model); evicted = true }
    }
    return evicted
  }

  return {
    admit (model, upstream) {
      // Body-less calls (batches, files) name no model: nothing to break on.
      if (model === '' || !upstream.circuitBreaker.enabled) return 'allow'
      const breaker = breakers.get(model)
      if (breaker === undefined) return 'allow'
      const { admission, transition } = breaker.admit(now(), upstream.circuitBreaker)
      if (transition !== null) events.transition(model, transition)
      if (admission === 'reject') events.shortCircuit(model)
      return admission
    },
    record (model, verdict, admission, upstream) {
      if (model === '' || admission === 'reject') return
      // Only failures need a table entry; a success for an untracked model is the default state.
      const breaker = verdict === 'failure' || admission === 'trial' ? breakerFor(model, upstream) : breakers.get(model)
      if (breaker === undefined || breaker === null) return
      const transition = breaker.record(now(), verdict, admission === 'trial', upstream.circuitBreaker)
      if (transition !== null) events.transition(model, transition)
    },
    retryAtMs (models, upstream) {
      let earliest = Number.POSITIVE_INFINITY
      for (const model of models) {
        const breaker = breakers.get(model)
        if (breaker !== undefined && breaker.state() !== 'closed') earliest = Math.min(earliest, breaker.retryAtMs(upstream.circuitBreaker))
      }
      return Number.isFinite(earliest) ? earliest : now()
    },
    recordFirstAttempt (upstream) {
      budget.recordFirstAttempt(now(), upstream.retryBudget)
    },
    tryRetry (upstream) {
      const ok = budget.tryRetry(now(), upstream.retryBudget)
      if (!ok) events.budgetExhausted()
      return ok
    },
    states () {
      return [...breakers].map(([model, breaker]) => [model, breaker.state()])
    }
  }
}
