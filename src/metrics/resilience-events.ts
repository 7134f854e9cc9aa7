// Edge. Turns circuit breaker and retry budget events into metrics and one log line per state
// change (a breaker that opens is worth a warning, not a line per skipped request).

import type { FastifyBaseLogger } from 'fastify'
import type { RuntimeConfig } from '../config/types.js'
import type { BreakerState } from '../upstream/circuit-breaker.js'
import type { Resilience, ResilienceEvents } from '../upstream/resilience.js'
import { modelLabel } from './labels.js'
import type { Metrics } from './registry.js'

export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 }

export function resilienceEvents (metrics: Metrics | null, log: () => FastifyBaseLogger, config: () => RuntimeConfig): ResilienceEvents {
  return {
    tracked (model) {
      // Series exist from the first failure, so rate() sees the first real increment.
      const label = modelLabel(model, config())
      for (const to of ['open', 'half_open', 'closed'] as const) metrics?.breakerTransitions.inc({ model: label, to }, 0)
      metrics?.shortCircuits.inc({ model: label }, 0)
    },
    transition (model, transition) {
      const label = modelLabel(model, config())
      metrics?.breakerTransitions.inc({ model: label, to: transition.to })
      const fields = { model: label === 'other' ? model.slice(0, 64) : label, from: transition.from, to: transition.to }
      if (transition.to === 'open') log().warn(fields, 'circuit breaker opened: the model is skipped until a trial request succeeds')
      else log().info(fields, `circuit breaker ${transition.to === 'closed' ? 'closed' : 'half-open'}`)
    },
    shortCircuit (model) {
      metrics?.shortCircuits.inc({ model: modelLabel(model, config()) })
    },
    budgetExhausted () {
      metrics?.retryBudgetExhausted.inc()
    }
  }
}

/** The gauge's values: several unknown models share the `other` label, which shows the worst. */
export function breakerGaugeValues (resilience: Resilience, config: () => RuntimeConfig): Array<[string, number]> {
  const byLabel = new Map<string, number>()
  const current = config()
  for (const [model, state] of resilience.states()) {
    const label = modelLabel(model, current)
    byLabel.set(label, Math.max(byLabel.get(label) ?? 0, BREAKER_STATE_VALUE[state]))
  }
  return [...byLabel]
}
