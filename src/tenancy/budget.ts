// Pure. What a tenant's (and its key's) spend so far means for the next request: allow it, send it
// to the policy's cheaper model, or refuse it. Spend is exact pico-USD; the ratio is for thresholds.

import type { BudgetName, Limits } from './limits.js'
import { usedRatio } from './usd.js'

export interface BudgetPolicy {
  onExceeded: 'reject' | 'downgrade'
  /** Catalog model a `downgrade` sends requests to. */
  downgradeTo: string | null
  /** Used fraction of a budget from which requests are downgraded (downgrade only). */
  downgradeAt: number
  /** Used fraction that only alerts (a gauge and an alert rule; requests are unaffected). */
  alertAt: number
}

export const DEFAULT_BUDGET: BudgetPolicy = { onExceeded: 'reject', downgradeTo: null, downgradeAt: 1, alertAt: 0.8 }

export type Scope = 'tenant' | 'key'

export interface ScopeSpend {
  scope: Scope
  limits: Limits
  dayPico: bigint
  monthPico: bigint
}

/** The most used budget over every scope and period; null when no budget is set. */
export interface BudgetUse {
  scope: Scope
  period: BudgetName
  ratio: number
  usedPico: bigint
  limitPico: bigint
}

export type BudgetVerdict =
  | { action: 'allow'; use: BudgetUse | null; alert: boolean }
  | { action: 'downgrade'; use: BudgetUse; to: string }
  | { action: 'reject'; use: BudgetUse; message: string }

export function mostUsedBudget (spends: readonly ScopeSpend[]): BudgetUse | null {
  let worst: BudgetUse | null = null
  for (const spend of spends) {
    const candidates: Array<[BudgetName, bigint, bigint | null]> = [
      ['usd_per_day', spend.dayPico, spend.limits.picoUsdPerDay],
      ['usd_per_month', spend.monthPico, spend.limits.picoUsdPerMonth]
    ]
    for (const [period, used, limit] of candidates) {
      if (limit === null) continue
      const ratio = usedRatio(used, limit)
      if (worst === null || ratio > worst.ratio) worst = { scope: spend.scope, period, ratio, usedPico: used, limitPico: limit }
    }
  }
  return worst
}

/**
 * `canServe(model)` is the capability guard's answer for the downgrade target (null = it can);
 * `targetModel` the model the policy chose. A downgrade the guard refuses is not made: the request
 * goes on unchanged below 100% and is refused at 100%.
 *
 * @example budgetVerdict([{ scope: 'tenant', limits, dayPico: 190n * 10n ** 12n, monthPico: 0n }], policy, 'claude-sonnet-4-5', () => null)
 */
export function budgetVerdict (spends: readonly ScopeSpend[], policy: BudgetPolicy, targetModel: string, canServe: (model: string) => string | null): BudgetVerdict {
  const use = mostUsedBudget(spends)
  if (use === null) return { action: 'allow', use: null, alert: false }
  const alert = use.ratio >= policy.alertAt
  const over = use.usedPico >= use.limitPico
  if (policy.onExceeded === 'downgrade' && policy.downgradeTo !== null && use.ratio >= policy.downgradeAt) {
    if (targetModel === policy.downgradeTo) return { action: 'allow', use, alert }
    const refusal = canServe(policy.downgradeTo)
    if (refusal === null) return { action: 'downgrade', use, to: policy.downgradeTo }
    if (!over) return { action: 'allow', use, alert }
    return { action: 'reject', use, message: `${describe(use)}; the downgrade to ${policy.downgradeTo} cannot serve this request (${refusal}).` }
  }
  if (over) return { action: 'reject', use, message: `${describe(use)}.` }
  return { action: 'allow', use, alert }
}

function describe (use: BudgetUse): string {
  const who = use.scope === 'tenant' ? 'The tenant' : 'This key'
  const period = use.period === 'usd_per_day' ? 'daily' : 'monthly'
  return `${who} has used its ${period} budget`
}
