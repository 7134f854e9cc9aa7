// Pure. The JSON the admin API (and the CLI after it) shows for keys, limits and spend. Money as
// exact decimal USD text; never a secret, only a key's id.

import type { KeyRecord } from './keys.js'
import { keyStatus } from './keys.js'
import type { Limits } from './limits.js'
import { picoToUsdText, usedRatio } from './usd.js'

export interface LimitsView {
  requests_per_minute: number | null
  input_tokens_per_minute: number | null
  output_tokens_per_minute: number | null
  usd_per_day: string | null
  usd_per_month: string | null
}

export interface PeriodSpendView {
  period: string
  spent_usd: string
  limit_usd: string | null
  remaining_usd: string | null
  used_ratio: number | null
}

export interface SpendView { day: PeriodSpendView; month: PeriodSpendView }

export interface KeyView {
  id: string
  tenant: string
  source: KeyRecord['source']
  status: ReturnType<typeof keyStatus>
  labels: Readonly<Record<string, string>>
  created_at: string | null
  expires_at: string | null
  revoked_at: string | null
  limits: LimitsView
  spend?: SpendView
}

export function limitsView (limits: Limits): LimitsView {
  return {
    requests_per_minute: limits.requestsPerMinute,
    input_tokens_per_minute: limits.inputTokensPerMinute,
    output_tokens_per_minute: limits.outputTokensPerMinute,
    usd_per_day: limits.picoUsdPerDay === null ? null : picoToUsdText(limits.picoUsdPerDay),
    usd_per_month: limits.picoUsdPerMonth === null ? null : picoToUsdText(limits.picoUsdPerMonth)
  }
}

export function periodSpendView (period: string, spentPico: bigint, limitPico: bigint | null): PeriodSpendView {
  return {
    period,
    spent_usd: picoToUsdText(spentPico),
    limit_usd: limitPico === null ? null : picoToUsdText(limitPico),
    remaining_usd: limitPico === null ? null : picoToUsdText(spentPico >= limitPico ? 0n : limitPico - spentPico),
    used_ratio: limitPico === null ? null : usedRatio(spentPico, limitPico)
  }
}

export function spendView (periods: { day: string; month: string }, spend: { dayPico: bigint; monthPico: bigint }, limits: Limits): SpendView {
  return {
    day: periodSpendView(periods.day, spend.dayPico, limits.picoUsdPerDay),
    month: periodSpendView(periods.month, spend.monthPico, limits.picoUsdPerMonth)
  }
}

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

export function keyView (key: KeyRecord, nowMs: number): KeyView {
  return {
    id: key.id,
    tenant: key.tenant,
    source: key.source,
    status: keyStatus(key, nowMs),
    labels: key.labels,
    created_at: iso(key.createdAtMs),
    expires_at: iso(key.expiresAtMs),
    revoked_at: iso(key.revokedAtMs),
    limits: limitsView(key.limits)
  }
}
