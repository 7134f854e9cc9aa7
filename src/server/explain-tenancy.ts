// What the tenancy would do with an explained request, without charging anything: who the caller
// is (or why it would get 401), its limits, its spend so far and the budget's verdict (a downgrade
// shows here as it would on the request path).

import type { RuntimeConfig } from '../config/types.js'
import { checkCapabilities } from '../policy/capabilities.js'
import type { Decision, RoutingInput } from '../policy/types.js'
import { budgetVerdict } from '../tenancy/budget.js'
import type { ScopeSpend } from '../tenancy/budget.js'
import type { Tenancy } from '../tenancy/create-tenancy.js'
import { StoreUnavailable } from '../tenancy/limit-store.js'
import { spendPeriods } from '../tenancy/limits.js'
import type { LimitsView, SpendView } from '../tenancy/views.js'
import { limitsView, spendView } from '../tenancy/views.js'
import type { HeaderMap } from '../upstream/headers.js'
import { identifyCaller } from './tenancy-auth.js'

export interface TenancyExplanation {
  tenant: string | null
  key: string | null
  /** Why the request would get 401, when it would. */
  refused: string | null
  limits: LimitsView | null
  spend: SpendView | null
  budget: { action: 'allow' | 'downgrade' | 'reject'; detail: string; downgradeTo: string | null } | null
}

export async function explainTenancy (headers: HeaderMap, input: RoutingInput, decision: Decision, config: RuntimeConfig, tenancy: Tenancy, nowMs: number): Promise<TenancyExplanation> {
  const none: TenancyExplanation = { tenant: null, key: null, refused: null, limits: null, spend: null, budget: null }
  let outcome
  try {
    outcome = await identifyCaller(headers, config, (digest) => tenancy.findKey(digest), nowMs)
  } catch (err) {
    if (err instanceof StoreUnavailable) return { ...none, refused: 'the key store is unavailable (503)' }
    throw err
  }
  if (!outcome.ok) return { ...none, tenant: outcome.tenant, refused: `${outcome.reason}: ${outcome.message}` }
  const tenant = outcome.tenant
  if (tenant === null) return none
  const periods = spendPeriods(nowMs)
  const key = outcome.key
  let spends: ScopeSpend[]
  try {
    const read = await tenancy.limits.spend(tenant.name, key === null ? [] : [key.id], periods)
    spends = [{ scope: 'tenant', limits: tenant.limits, ...read.tenant }]
    if (key !== null) spends.push({ scope: 'key', limits: key.limits, ...(read.keys.get(key.id) ?? { dayPico: 0n, monthPico: 0n }) })
  } catch (err) {
    if (!(err instanceof StoreUnavailable)) throw err
    return { ...none, tenant: tenant.name, key: key?.id ?? null, limits: limitsView(tenant.limits), budget: { action: 'allow', detail: `limits store unavailable: ${tenant.onStoreUnavailable}`, downgradeTo: null } }
  }
  const verdict = budgetVerdict(spends, tenant.budget, decision.targetModel, (model) => {
    const target = config.catalog.resolve(model)
    if (target === undefined) return `${model} is not in the model catalog`
    const refusal = checkCapabilities(input, target)
    return refusal === null ? null : `${refusal.reason}: ${refusal.detail}`
  })
  const use = verdict.use === null ? 'no USD budget' : `${verdict.use.scope} ${verdict.use.period} at ${(verdict.use.ratio * 100).toFixed(1)}%`
  const detail = verdict.action === 'downgrade'
    ? `${use}: sent as ${verdict.to} instead of ${decision.targetModel}`
    : verdict.action === 'reject' ? `${use}: refused with 429 (${verdict.message})` : use
  return {
    tenant: tenant.name,
    key: key?.id ?? null,
    refused: null,
    limits: limitsView(tenant.limits),
    spend: spendView(periods, spends[0] as ScopeSpend, tenant.limits),
    budget: { action: verdict.action, detail, downgradeTo: verdict.action === 'downgrade' ? verdict.to : null }
  }
}
