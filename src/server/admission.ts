// A tenant's Messages request against its limits and budgets: before it goes upstream, reserve its
// estimated cost in the rate windows and read the spend (one store round trip), then refuse it
// (429), downgrade it to the tenant's cheaper model, or let it through; after its answer, correct
// the reservation to the real usage and add its price to the spend. The decisions are the pure
// ones in src/tenancy; this file is the glue and the I/O.

import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { RuntimeConfig, TenantConfig } from '../config/types.js'
import { GatewayError } from '../errors.js'
import { priceUsage } from '../metrics/cost.js'
import type { Metrics } from '../metrics/registry.js'
import { checkCapabilities } from '../policy/capabilities.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { tokenCount } from '../messages/usage.js'
import type { BudgetVerdict, ScopeSpend } from '../tenancy/budget.js'
import { budgetVerdict } from '../tenancy/budget.js'
import type { Tenancy } from '../tenancy/create-tenancy.js'
import type { AdmitResult, ScopeRef } from '../tenancy/limit-store.js'
import { StoreUnavailable } from '../tenancy/limit-store.js'
import type { Limits, RateCost } from '../tenancy/limits.js'
import { WINDOW_MS, hasBudgets, hasRateLimits, spendPeriods } from '../tenancy/limits.js'
import { rateLimitHeaders, retryAfterHeaders } from '../tenancy/rate-headers.js'
import { usedRatio } from '../tenancy/usd.js'
import type { RequestOutcome } from './outcome.js'
import { replanTo } from './route-plan.js'
import type { RoutePlan } from './route-plan.js'

export interface Admission {
  tenant: TenantConfig
  scopes: ScopeRef[]
  /** The window the cost was reserved in; null when nothing was reserved (no rate limits, or the store failed open). */
  window: number | null
  cost: RateCost
  /** Added to the answer: the tenant's rate-limit headers, downgrade and budget use. */
  headers: Record<string, string>
}

export interface AdmissionDeps {
  tenancy: Tenancy
  metrics: Metrics | null
  now: () => number
}

const NO_COST: RateCost = { requests: 0, inputTokens: 0, outputTokens: 0 }

/** Null when the request has no tenant (nothing to limit or account). Throws the 429 / 503 refusals. */
export async function admit (
  request: FastifyRequest,
  reply: FastifyReply,
  plan: RoutePlan,
  body: MessagesRequest,
  deps: AdmissionDeps
): Promise<{ plan: RoutePlan; admission: Admission | null }> {
  const tenant = request.gw.tenancy?.tenant ?? null
  if (tenant === null) return { plan, admission: null }
  const key = request.gw.tenancy?.key ?? null
  const scopes: ScopeRef[] = [{ scope: 'tenant', keyId: '', limits: tenant.limits }]
  if (key !== null) scopes.push({ scope: 'key', keyId: key.id, limits: key.limits })
  const headers: Record<string, string> = { 'x-gateway-tenant': tenant.name }
  const limited = scopes.some((scope) => hasRateLimits(scope.limits) || hasBudgets(scope.limits))
  const cost: RateCost = { requests: 1, inputTokens: plan.input.estimatedInputTokens, outputTokens: tokenCount(plan.outgoing.max_tokens) }
  if (!limited) return { plan, admission: { tenant, scopes, window: null, cost: NO_COST, headers } }
  const nowMs = deps.now()
  let result: AdmitResult
  try {
    result = await deps.tenancy.limits.admit(tenant.name, scopes, cost, spendPeriods(nowMs))
  } catch (err) {
    if (!(err instanceof StoreUnavailable)) throw err
    deps.metrics?.limitStoreFailures.inc({ tenant: tenant.name, mode: tenant.onStoreUnavailable })
    request.log.warn({ tenant: tenant.name, mode: tenant.onStoreUnavailable, err: err.message }, 'limits store unavailable')
    if (tenant.onStoreUnavailable === 'fail_closed') {
      deps.metrics?.limitRejections.inc({ tenant: tenant.name, reason: 'store_unavailable' })
      throw new GatewayError('TL_ERR_LIMITS_UNAVAILABLE', 'The gateway cannot check this tenant\'s limits right now; retry shortly.')
    }
    return { plan, admission: { tenant, scopes, window: null, cost: NO_COST, headers } }
  }
  // The window's end on Redis's clock (windows are whole minutes), the same on every replica.
  const resetIso = new Date((result.window + 1) * WINDOW_MS).toISOString()
  Object.assign(headers, rateLimitHeaders(scopes.map((scope) => scope.limits), result.counters, resetIso))
  const spends: ScopeSpend[] = scopes.map((scope, i) => ({ scope: scope.scope, limits: scope.limits, dayPico: result.counters[i]?.dayPico ?? 0n, monthPico: result.counters[i]?.monthPico ?? 0n }))
  recordBudgetUse(deps.metrics, tenant, spends[0] as ScopeSpend)
  const config = request.gw.config
  const verdict = budgetVerdict(spends, tenant.budget, plan.decision.targetModel, (model) => refusalOf(config, plan, model))
  if (verdict.use !== null) headers['x-gateway-budget-used'] = verdict.use.ratio.toFixed(4)
  if (verdict.action === 'reject') {
    if (result.blockedScope === null) await refund(deps, tenant, scopes, result.window, cost, request.log)
    deps.metrics?.limitRejections.inc({ tenant: tenant.name, reason: verdict.use.period })
    reply.headers(headers)
    throw new GatewayError('TL_ERR_BUDGET_EXCEEDED', verdict.message)
  }
  if (result.blockedScope !== null) {
    const reason = result.blockedLimit ?? 'requests_per_minute'
    deps.metrics?.limitRejections.inc({ tenant: tenant.name, reason })
    reply.headers(headers).headers(retryAfterHeaders(result.resetInMs))
    const who = scopes[result.blockedScope]?.scope === 'key' ? 'This key' : 'The tenant'
    throw new GatewayError('TL_ERR_RATE_LIMITED', `${who} has reached its ${reason.replaceAll('_', ' ')} limit; retry after the window resets.`)
  }
  const admission: Admission = { tenant, scopes, window: result.window, cost, headers }
  if (verdict.action !== 'downgrade') return { plan, admission }
  deps.metrics?.budgetDowngrades.inc({ tenant: tenant.name, reason: verdict.use.period })
  const from = plan.decision.targetModel
  headers['x-gateway-budget-downgrade'] = `${from}->${verdict.to}`
  const why = `budget downgrade: ${verdict.use.scope} ${verdict.use.period} at ${(verdict.use.ratio * 100).toFixed(1)}% → ${verdict.to}`
  return { plan: replanTo(plan, body, request.body as string, config, verdict.to, why), admission }
}

/** The capability guard's refusal of `model` for this request, as a sentence, or null. */
function refusalOf (config: RuntimeConfig, plan: RoutePlan, model: string): string | null {
  const target = config.catalog.resolve(model)
  if (target === undefined) return `${model} is not in the model catalog`
  // A tool turn whose thinking another model signed must go back to that model (the API rejects it elsewhere).
  const signer = plan.input.promptCache?.thinkingSigner ?? null
  if (signer !== null && config.catalog.resolve(signer) !== target) return `thinking_signature: the tool turn in progress carries a thinking block signed by ${signer}`
  const refusal = checkCapabilities(plan.input, target)
  return refusal === null ? null : `${refusal.reason}: ${refusal.detail}`
}

async function refund (deps: AdmissionDeps, tenant: TenantConfig, scopes: ScopeRef[], window: number, cost: RateCost, log: FastifyBaseLogger): Promise<void> {
  try {
    await deps.tenancy.limits.adjust(tenant.name, scopes, window, { requests: -cost.requests, inputTokens: -cost.inputTokens, outputTokens: -cost.outputTokens })
  } catch (err) {
    deps.metrics?.limitStoreFailures.inc({ tenant: tenant.name, mode: tenant.onStoreUnavailable })
    log.warn({ tenant: tenant.name, err: err instanceof Error ? err.message : String(err) }, 'limits store: a refund was lost')
  }
}

/**
 * After the answer: the reservation corrected to the real usage (input + cache writes, as the API
 * counts input tokens per minute; output), the price added to the spend. Never throws: a store
 * failure here is counted and logged, the answer has already gone.
 */
export async function settle (admission: Admission, outcome: RequestOutcome, config: RuntimeConfig, deps: AdmissionDeps, log: FastifyBaseLogger): Promise<void> {
  const { tenant, scopes, cost } = admission
  // A cached answer used no upstream tokens and cost nothing.
  const usage = outcome.cacheResult === 'hit' ? null : outcome.usage
  try {
    if (admission.window !== null) {
      const input = usage === null ? 0 : tokenCount(usage.input_tokens) + tokenCount(usage.cache_creation_input_tokens)
      const output = usage === null ? 0 : tokenCount(usage.output_tokens)
      const delta = { requests: 0, inputTokens: input - cost.inputTokens, outputTokens: output - cost.outputTokens }
      if (delta.inputTokens !== 0 || delta.outputTokens !== 0) await deps.tenancy.limits.adjust(tenant.name, scopes, admission.window, delta)
    }
    if (usage === null) return
    if (outcome.routedModel === null) return
    // The same pricing as the cost metrics; tokens it cannot price are never charged as $0 silently.
    const price = priceUsage(usage, config.catalog.resolve(outcome.routedModel) ?? outcome.routedModel, { isoDate: outcome.isoDate, batch: outcome.modifiers.batch, inferenceGeo: outcome.modifiers.inferenceGeo, speed: outcome.modifiers.speed }, config.catalog.resolve)
    if (price.unpriced.length > 0) deps.metrics?.unpricedSpend.inc({ tenant: tenant.name })
    const pico = price.picoUsd
    if (pico <= 0n) return
    const totals = await deps.tenancy.limits.charge(tenant.name, scopes, pico, spendPeriods(deps.now()))
    const own = totals[0]
    if (own !== undefined) recordBudgetUse(deps.metrics, tenant, { scope: 'tenant', limits: tenant.limits, dayPico: own.dayPico, monthPico: own.monthPico })
  } catch (err) {
    deps.metrics?.limitStoreFailures.inc({ tenant: tenant.name, mode: tenant.onStoreUnavailable })
    log.warn({ tenant: tenant.name, err: err instanceof Error ? err.message : String(err) }, 'limits store: usage or spend not recorded')
  }
}

function recordBudgetUse (metrics: Metrics | null, tenant: TenantConfig, spend: ScopeSpend): void {
  if (metrics === null || !hasBudgets(tenant.limits)) return
  const limits: Limits = spend.limits
  if (limits.picoUsdPerDay !== null) metrics.budgetUsed.set({ tenant: tenant.name, period: 'day' }, usedRatio(spend.dayPico, limits.picoUsdPerDay))
  if (limits.picoUsdPerMonth !== null) metrics.budgetUsed.set({ tenant: tenant.name, period: 'month' }, usedRatio(spend.monthPico, limits.picoUsdPerMonth))
  metrics.budgetAlertAt.set({ tenant: tenant.name }, tenant.budget.alertAt)
}

export type { BudgetVerdict }
