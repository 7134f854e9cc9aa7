// A tenant's request against its limits and budgets: before it goes upstream, reserve its cost in
// the rate windows and read the spend (one store round trip), then refuse it (429), downgrade it to
// the tenant's cheaper model, or let it through. A Messages request reserves its estimated tokens
// and, after its answer, is corrected to the real usage and its price added to the spend; a batch
// creation reserves one request and is charged when its results are priced (batch-results.ts);
// every other /v1 request only counts against requests per minute (tenancy-auth.ts). The
// decisions are the pure ones in src/tenancy; this file is the glue and the I/O.

import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { RuntimeConfig, TenantConfig } from '../config/types.js'
import { GatewayError } from '../errors.js'
import { priceUsage } from '../metrics/cost.js'
import type { Metrics } from '../metrics/registry.js'
import { checkCapabilities } from '../policy/capabilities.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { tokenCount } from '../messages/usage.js'
import type { BudgetUse, BudgetVerdict, ScopeSpend } from '../tenancy/budget.js'
import { budgetVerdict, mostUsedBudget } from '../tenancy/budget.js'
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

/** A request's reservation: its admission, and what the store said (null when nothing was asked or the store failed open). */
export interface Reservation {
  admission: Admission
  result: AdmitResult | null
  /** Per scope, the spend so far (empty when the store was not asked). */
  spends: ScopeSpend[]
}

/**
 * Reserves `cost` for the request's tenant and key in one store round trip (which reads their
 * spend too), and writes the tenant's rate-limit headers. Null when the request has no tenant.
 * `counted` says which limits matter to the route: a scope with none of them is not asked about.
 * Throws only the fail-closed 503; the caller refuses over-budget and rate-limited requests.
 */
export async function reserve (request: FastifyRequest, cost: RateCost, counted: (limits: Limits) => boolean, deps: AdmissionDeps): Promise<Reservation | null> {
  const tenant = request.gw.tenancy?.tenant ?? null
  if (tenant === null) return null
  const key = request.gw.tenancy?.key ?? null
  const scopes: ScopeRef[] = [{ scope: 'tenant', keyId: '', limits: tenant.limits }]
  if (key !== null) scopes.push({ scope: 'key', keyId: key.id, limits: key.limits })
  const headers: Record<string, string> = { 'x-gateway-tenant': tenant.name }
  const unreserved = (): Reservation => ({ admission: { tenant, scopes, window: null, cost: NO_COST, headers }, result: null, spends: [] })
  if (!scopes.some((scope) => counted(scope.limits))) return unreserved()
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
    return unreserved()
  }
  // The window's end on Redis's clock (windows are whole minutes), the same on every replica.
  const resetIso = new Date((result.window + 1) * WINDOW_MS).toISOString()
  Object.assign(headers, rateLimitHeaders(scopes.map((scope) => scope.limits), result.counters, resetIso))
  const spends: ScopeSpend[] = scopes.map((scope, i) => ({ scope: scope.scope, limits: scope.limits, dayPico: result.counters[i]?.dayPico ?? 0n, monthPico: result.counters[i]?.monthPico ?? 0n }))
  return { admission: { tenant, scopes, window: result.window, cost, headers }, result, spends }
}

/** Budgets and rate limits both matter to Messages and batch creation. */
export const BUDGETS_AND_RATES = (limits: Limits): boolean => hasRateLimits(limits) || hasBudgets(limits)
/** Only the request count matters to the other /v1 routes (they spend neither tokens nor money). */
export const REQUESTS_ONLY = (limits: Limits): boolean => limits.requestsPerMinute !== null

/** The 429 of a spent budget (no retry-after: retrying does not help before the period turns); the reservation is given back. */
export async function refuseOverBudget (request: FastifyRequest, reply: FastifyReply, reservation: Reservation, use: BudgetUse, message: string, deps: AdmissionDeps): Promise<never> {
  const { admission, result } = reservation
  if (result !== null && result.blockedScope === null) await refund(deps, admission.tenant, admission.scopes, result.window, admission.cost, request.log)
  deps.metrics?.limitRejections.inc({ tenant: admission.tenant.name, reason: use.period })
  reply.headers(admission.headers)
  throw new GatewayError('TL_ERR_BUDGET_EXCEEDED', message)
}

/** The 429 of a full rate window, with retry-after; nothing was reserved. */
export function refuseIfRateLimited (reply: FastifyReply, reservation: Reservation, deps: AdmissionDeps): void {
  const { admission, result } = reservation
  if (result === null || result.blockedScope === null) return
  const reason = result.blockedLimit ?? 'requests_per_minute'
  deps.metrics?.limitRejections.inc({ tenant: admission.tenant.name, reason })
  reply.headers(admission.headers).headers(retryAfterHeaders(result.resetInMs))
  const who = admission.scopes[result.blockedScope]?.scope === 'key' ? 'This key' : 'The tenant'
  throw new GatewayError('TL_ERR_RATE_LIMITED', `${who} has reached its ${reason.replaceAll('_', ' ')} limit; retry after the window resets.`)
}

/** Null when the request has no tenant (nothing to limit or account). Throws the 429 / 503 refusals. */
export async function admit (
  request: FastifyRequest,
  reply: FastifyReply,
  plan: RoutePlan,
  body: MessagesRequest,
  deps: AdmissionDeps
): Promise<{ plan: RoutePlan; admission: Admission | null }> {
  const cost: RateCost = { requests: 1, inputTokens: plan.input.estimatedInputTokens, outputTokens: tokenCount(plan.outgoing.max_tokens) }
  const reservation = await reserve(request, cost, BUDGETS_AND_RATES, deps)
  if (reservation === null) return { plan, admission: null }
  const { admission, spends } = reservation
  if (reservation.result === null) return { plan, admission }
  const { tenant, headers } = admission
  recordBudgetUse(deps.metrics, tenant, spends[0] as ScopeSpend)
  const config = request.gw.config
  const verdict = budgetVerdict(spends, tenant.budget, plan.decision.targetModel, (model) => refusalOf(config, plan, model))
  if (verdict.use !== null) headers['x-gateway-budget-used'] = verdict.use.ratio.toFixed(4)
  if (verdict.action === 'reject') await refuseOverBudget(request, reply, reservation, verdict.use, verdict.message, deps)
  refuseIfRateLimited(reply, reservation, deps)
  if (verdict.action !== 'downgrade') return { plan, admission }
  deps.metrics?.budgetDowngrades.inc({ tenant: tenant.name, reason: verdict.use.period })
  const from = plan.decision.targetModel
  headers['x-gateway-budget-downgrade'] = `${from}->${verdict.to}`
  const why = `budget downgrade: ${verdict.use.scope} ${verdict.use.period} at ${(verdict.use.ratio * 100).toFixed(1)}% → ${verdict.to}`
  return { plan: replanTo(plan, body, request.body as string, config, verdict.to, why), admission }
}

/** The capability guard's refusal of `model` for this request, as a sentence, or null. */
export function refusalOf (config: RuntimeConfig, plan: RoutePlan, model: string): string | null {
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

export function recordBudgetUse (metrics: Metrics | null, tenant: TenantConfig, spend: ScopeSpend): void {
  if (metrics === null || !hasBudgets(tenant.limits)) return
  const limits: Limits = spend.limits
  if (limits.picoUsdPerDay !== null) metrics.budgetUsed.set({ tenant: tenant.name, period: 'day' }, usedRatio(spend.dayPico, limits.picoUsdPerDay))
  if (limits.picoUsdPerMonth !== null) metrics.budgetUsed.set({ tenant: tenant.name, period: 'month' }, usedRatio(spend.monthPico, limits.picoUsdPerMonth))
  metrics.budgetAlertAt.set({ tenant: tenant.name }, tenant.budget.alertAt)
}

export type { BudgetVerdict }

/**
 * Batch creation: one request against the rate window, and the budget checked against the spend so
 * far (the batch's own cost is known only when its results are priced, and is charged then). Under
 * `downgrade`, each request the guard accepts the cheaper model for is sent to it; a request the
 * gateway cannot safely move (the guard refuses, or it carries thinking blocks whose signer the
 * gateway cannot know without a conversation) is sent unchanged below 100% and refuses the whole
 * batch at 100%, as one refused Messages request would be. Returns the bodies to send (the same
 * objects when nothing changed) and the admission, null without a tenant.
 */
export async function admitBatch (
  request: FastifyRequest,
  reply: FastifyReply,
  plans: readonly RoutePlan[],
  bodies: readonly MessagesRequest[],
  deps: AdmissionDeps
): Promise<{ outgoing: MessagesRequest[]; admission: Admission | null }> {
  const outgoing = plans.map((plan) => plan.outgoing)
  const counted = (limits: Limits): boolean => limits.requestsPerMinute !== null || hasBudgets(limits)
  const reservation = await reserve(request, { requests: 1, inputTokens: 0, outputTokens: 0 }, counted, deps)
  if (reservation === null) return { outgoing, admission: null }
  const { admission, spends } = reservation
  if (reservation.result === null) return { outgoing, admission }
  const { tenant, headers } = admission
  recordBudgetUse(deps.metrics, tenant, spends[0] as ScopeSpend)
  const config = request.gw.config
  const verdicts = plans.map((plan, i) => budgetVerdict(spends, tenant.budget, plan.decision.targetModel, (model) => batchRefusalOf(config, plan, bodies[i] as MessagesRequest, model)))
  const use = mostUsedBudget(spends)
  if (use !== null) headers['x-gateway-budget-used'] = use.ratio.toFixed(4)
  const rejected = verdicts.findIndex((verdict) => verdict.action === 'reject')
  const rejection = verdicts[rejected]
  if (rejection !== undefined && rejection.action === 'reject') {
    const where = verdicts.length > 1 && rejection.message.includes('cannot serve') ? `requests.${rejected}: ` : ''
    await refuseOverBudget(request, reply, reservation, rejection.use, `${where}${rejection.message}`, deps)
  }
  refuseIfRateLimited(reply, reservation, deps)
  const moves = new Set<string>()
  verdicts.forEach((verdict, i) => {
    if (verdict.action !== 'downgrade') return
    const plan = plans[i] as RoutePlan
    const why = `budget downgrade: ${verdict.use.scope} ${verdict.use.period} at ${(verdict.use.ratio * 100).toFixed(1)}% → ${verdict.to}`
    // Only the adapted body is used (the batch is serialised whole), so the raw text is not needed.
    outgoing[i] = replanTo(plan, bodies[i] as MessagesRequest, '', config, verdict.to, why).outgoing
    moves.add(`${plan.decision.targetModel}->${verdict.to}`)
    deps.metrics?.budgetDowngrades.inc({ tenant: tenant.name, reason: verdict.use.period })
  })
  if (moves.size > 0) headers['x-gateway-budget-downgrade'] = [...moves].join(', ')
  return { outgoing, admission }
}

/** refusalOf, and no move for a request with earlier thinking: a batch has no conversation state to say who signed it. */
function batchRefusalOf (config: RuntimeConfig, plan: RoutePlan, body: MessagesRequest, model: string): string | null {
  const refusal = refusalOf(config, plan, model)
  if (refusal !== null) return refusal
  const thinking = body.messages.some((message) => message.role === 'assistant' && Array.isArray(message.content) &&
    message.content.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking'))
  return thinking ? 'thinking_signature: a batch request carrying thinking blocks stays with the model that signed them' : null
}
