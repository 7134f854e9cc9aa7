// Edge. Money the gateway could not price exactly is made visible, never dropped: unpriced tokens
// (a model or a fast price the catalog lacks) and malformed usage counts go to their own bounded
// counters, and each unknown model is logged once per process.

import type { Cost, TokenBreakdown } from './cost.js'
import type { Metrics } from './registry.js'

export interface MoneyLog {
  warn (fields: Record<string, unknown>, message: string): void
}

export const TOKEN_TYPES: Array<[keyof TokenBreakdown, string]> = [
  ['input', 'input'], ['output', 'output'], ['cacheRead', 'cache_read'], ['cacheWrite5m', 'cache_write_5m'], ['cacheWrite1h', 'cache_write_1h']
]

/** Models and usage faults already warned about; bounded so random ids cannot grow it without end. */
const warnedModels = new Set<string>()
const MAX_WARNED = 1000

export function recordPricingFaults (metrics: Metrics, cost: Pick<Cost, 'unpricedTokens' | 'unpriced' | 'issues'>, log: MoneyLog | undefined): void {
  for (const [key, tokenType] of TOKEN_TYPES) {
    const count = cost.unpricedTokens[key]
    if (count > 0) metrics.unpricedTokens.inc({ token_type: tokenType }, count)
  }
  for (const { model, reason } of cost.unpriced) {
    const seen = `${reason}:${model}`
    if (warnedModels.has(seen) || warnedModels.size >= MAX_WARNED) continue
    warnedModels.add(seen)
    log?.warn({ model, reason }, reason === 'unknown_fast_price'
      ? 'fast-mode price unknown for this model: its fast tokens are counted in llm_gateway_unpriced_tokens_total'
      : 'model not in the catalog: its tokens are counted in llm_gateway_unpriced_tokens_total (declare it under models:, e.g. with like:)')
  }
  for (const issue of cost.issues) {
    metrics.malformedUsage.inc({ reason: issue.reason })
    // Every occurrence is counted; the log names each kind once per process, so a broken
    // upstream cannot flood it.
    const seen = `usage:${issue.reason}:${issue.field}`
    if (warnedModels.has(seen) || warnedModels.size >= MAX_WARNED) continue
    warnedModels.add(seen)
    log?.warn({ field: issue.field, reason: issue.reason, value: issue.value }, 'malformed usage count: repaired (fractional rounds up, negative and non-numeric count 0) and priced; further ones of this kind are only counted')
  }
}

/** Tests: forget which models were warned about. */
export function resetMoneyWarnings (): void {
  warnedModels.clear()
}
