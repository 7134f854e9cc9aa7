// Edge. The only prom-client calls on the request path: turns a finished request's outcome into
// counters and histograms. Never throws: metrics must not fail a request.

import type { RuntimeConfig } from '../config/types.js'
import type { RequestOutcome } from '../server/outcome.js'
import type { Usage } from '../types/anthropic.js'
import { picoToUsd, priceUsage } from './cost.js'
import type { CostModifiers } from './cost.js'
import { errorCodeLabel, errorTypeLabel, modelLabel, ruleLabel, statusClass, tenantLabel } from './labels.js'
import type { Metrics } from './registry.js'
import { recordPricingFaults, TOKEN_TYPES } from './money-faults.js'
import type { MoneyLog } from './money-faults.js'

export type { MoneyLog } from './money-faults.js'

export function recordOutcome (metrics: Metrics, outcome: RequestOutcome, config: RuntimeConfig, log?: MoneyLog): void {
  try {
    record(metrics, outcome, config, log)
  } catch {
    // A metrics bug must never become a request error; the counters simply miss this one.
  }
}

function record (metrics: Metrics, outcome: RequestOutcome, config: RuntimeConfig, log: MoneyLog | undefined): void {
  const requested = modelLabel(outcome.requestedModel, config)
  const routed = modelLabel(outcome.routedModel, config)
  const tenant = tenantLabel(outcome.tenant)
  const cacheResult = outcome.cacheResult
  metrics.requests.inc({ route: outcome.route, requested_model: requested, routed_model: routed, rule: ruleLabel(outcome.rule, config), tenant, status_class: statusClass(outcome.status), cache_result: cacheResult })
  metrics.duration.observe({ route: outcome.route, routed_model: routed, cache_result: cacheResult, stream: String(outcome.stream) }, outcome.durationSeconds)
  metrics.overhead.observe({ route: outcome.route, cache_result: cacheResult }, Math.max(0, outcome.durationSeconds - outcome.upstreamSeconds))
  if (outcome.ttftSeconds !== null) metrics.ttft.observe({ routed_model: routed, cache_result: cacheResult }, outcome.ttftSeconds)
  if (outcome.upstreamErrorType !== null && outcome.upstreamErrorType !== 'client_closed') {
    metrics.upstreamErrors.inc({ routed_model: routed, error_type: errorTypeLabel(outcome.upstreamErrorType), code: errorCodeLabel(outcome.status) })
  }
  for (const hop of outcome.fallbacks) metrics.fallbacks.inc({ from: modelLabel(hop.from, config), to: modelLabel(hop.to, config), reason: String(hop.status) })
  for (const skip of outcome.skipped) metrics.ruleSkips.inc({ rule: ruleLabel(skip.rule, config), reason: skip.reason })
  if (outcome.lifecycleRemap !== null) metrics.lifecycleRemaps.inc({ from: modelLabel(outcome.lifecycleRemap.from, config), to: modelLabel(outcome.lifecycleRemap.to, config) })
  if (outcome.shadow !== null) metrics.shadowDecisions.inc({ rule: ruleLabel(outcome.shadow.rule, config), would_route_to: modelLabel(outcome.shadow.targetModel, config) })
  if (outcome.usage !== null) recordMoney(metrics, outcome, outcome.usage, config, { tenant, requested, routed }, log)
  // A billed answer whose usage could not be read (relayed unread past the buffer limit, or a
  // stream the side parser gave up on) is money we cannot price: counted, never silently zero.
  else if (outcome.route === 'messages' && outcome.status >= 200 && outcome.status < 300 && outcome.cacheResult !== 'hit') metrics.malformedUsage.inc({ reason: 'unread' })
}

interface MoneyLabels { tenant: string; requested: string; routed: string }

function recordMoney (metrics: Metrics, outcome: RequestOutcome, usage: Usage, config: RuntimeConfig, labels: MoneyLabels, log: MoneyLog | undefined): void {
  const routedId = outcome.routedModel
  if (routedId === null) return
  const routedModel = config.catalog.resolve(routedId)
  const modifiers: CostModifiers = { isoDate: outcome.isoDate, batch: outcome.modifiers.batch, inferenceGeo: outcome.modifiers.inferenceGeo, speed: outcome.modifiers.speed }
  // A model the catalog lacks is still priced: every token lands in the unpriced counter.
  const routedCost = priceUsage(usage, routedModel ?? routedId, modifiers, config.catalog.resolve)
  const isHit = outcome.cacheResult === 'hit'
  const batch = routedCost.batch ? 'true' : 'false'
  const moneyLabels = { tenant: labels.tenant, requested_model: labels.requested, routed_model: labels.routed, batch }
  for (const [key, tokenType] of TOKEN_TYPES) {
    const count = routedCost.tokens[key]
    // Cached answers consumed no upstream tokens.
    // Literal label objects: object spread is a slow clone on this path.
    if (count > 0 && !isHit) metrics.tokens.inc({ tenant: labels.tenant, requested_model: labels.requested, routed_model: labels.routed, token_type: tokenType, batch }, count)
  }
  if (!isHit) recordPricingFaults(metrics, routedCost, log)
  if (isHit) {
    metrics.cost.inc(moneyLabels, 0)
    metrics.savings.inc({ tenant: labels.tenant, reason: 'cache', requested_model: labels.requested, routed_model: labels.routed }, picoToUsd(routedCost.picoUsd))
  } else {
    metrics.cost.inc(moneyLabels, picoToUsd(routedCost.picoUsd))
  }
  if (routedModel === undefined) return
  // Routing savings: what the model that would have answered without the policy (the requested
  // one, or its lifecycle replacement) would have cost for the same usage.
  const baselineId = outcome.lifecycleRemap?.to ?? outcome.requestedModel
  const baseline = baselineId === null ? undefined : config.catalog.resolve(baselineId)
  if (baseline !== undefined && baseline.id !== routedModel.id && !isHit) {
    const delta = priceUsage(usage, baseline, modifiers, config.catalog.resolve).picoUsd - routedCost.picoUsd
    if (delta > 0n) metrics.savings.inc({ tenant: labels.tenant, reason: 'routing', requested_model: labels.requested, routed_model: labels.routed }, picoToUsd(delta))
    else if (delta < 0n) metrics.extraCost.inc({ tenant: labels.tenant, requested_model: labels.requested, routed_model: labels.routed }, picoToUsd(-delta))
  }
  if (outcome.shadow !== null) {
    const shadowModel = config.catalog.resolve(outcome.shadow.targetModel)
    const rule = ruleLabel(outcome.shadow.rule, config)
    if (shadowModel !== undefined) {
      const wouldSave = routedCost.picoUsd - priceUsage(usage, shadowModel, modifiers, config.catalog.resolve).picoUsd
      if (wouldSave > 0n) metrics.shadowWouldSave.inc({ rule }, picoToUsd(wouldSave))
    }
  }
}
