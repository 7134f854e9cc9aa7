// Edge. A Message Batch's priced results into the same token and cost counters as every other
// request, with batch="true", once per batch id (the route decides "once").

import type { BatchSpend } from '../pricing/batch-results.js'
import type { RuntimeConfig } from '../config/types.js'
import { picoToUsd } from './cost.js'
import { modelLabel, tenantLabel } from './labels.js'
import type { MoneyLog } from './money-faults.js'
import { recordPricingFaults, TOKEN_TYPES } from './money-faults.js'
import type { Metrics } from './registry.js'

export function recordBatchSpend (metrics: Metrics, spend: BatchSpend, tenant: string | null, config: RuntimeConfig, log?: MoneyLog): void {
  try {
    const tenantName = tenantLabel(tenant)
    for (const entry of spend.byModel.values()) {
      const model = modelLabel(entry.model, config)
      // Batch requests were rewritten by the policy at creation; the result names only the model
      // that answered, so requested and routed are the same here.
      for (const [key, tokenType] of TOKEN_TYPES) {
        const count = entry.tokens[key]
        if (count > 0) metrics.tokens.inc({ tenant: tenantName, requested_model: model, routed_model: model, token_type: tokenType, batch: 'true' }, count)
      }
      metrics.cost.inc({ tenant: tenantName, requested_model: model, routed_model: model, batch: 'true' }, picoToUsd(entry.picoUsd))
      recordPricingFaults(metrics, { unpricedTokens: entry.unpricedTokens, unpriced: entry.unpriced, issues: [] }, log)
    }
    for (const [reason, count] of Object.entries(spend.issueCounts)) if (count > 0) metrics.malformedUsage.inc({ reason }, count)
    if (spend.issues.length > 0) log?.warn({ batch_id: spend.batchId, counts: spend.issueCounts, first: spend.issues }, 'malformed usage counts in batch results: repaired and priced')
    if (spend.badLines > 0) log?.warn({ batch_id: spend.batchId, lines: spend.badLines }, 'batch result lines that are not results: passed through unpriced')
  } catch {
    // Metrics never fail a download.
  }
}
