// Edge. The app's own prom-client Registry and metric objects (never the global registry, so
// tests can build many apps side by side). Names and buckets follow Prometheus conventions (docs/metrics.md). Counters
// touched per request are buffered and histograms lean (buffered-counter.ts, lean-histogram.ts);
// the rest are plain prom-client. All of them are exported by the prom-client Registry.

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { CountingGauge } from './counting-gauge.js'
import { BufferedCounter } from './buffered-counter.js'
import { LeanHistogram } from './lean-histogram.js'

/** 0.001 s … 655 s: generations can take minutes; a superset of the OTel GenAI boundaries. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68, 655.36]
const TTFT_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
/** The gateway's own time should be well under a millisecond: sub-ms resolution. */
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]
const CACHE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1]

export function createMetrics (options: { defaultMetrics: boolean; version: string }) {
  const registry = new Registry()
  const registers = [registry]
  let breakerStates: () => Iterable<[string, number]> = () => []
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry })
  let bufferSource: { readonly used: number; readonly capacity: number } | null = null
  const metrics = {
    registry,
    requests: new BufferedCounter({ name: 'llm_gateway_requests_total', help: 'Client requests, by route, requested model, model used, matched rule, tenant, status class and cache result.', labelNames: ['route', 'requested_model', 'routed_model', 'rule', 'tenant', 'status_class', 'cache_result'] as const, registers }),
    duration: new LeanHistogram({ name: 'llm_gateway_request_duration_seconds', help: 'Time from request arrival to the last byte sent to the client.', labelNames: ['route', 'routed_model', 'cache_result', 'stream'] as const, buckets: DURATION_BUCKETS, registers }),
    ttft: new LeanHistogram({ name: 'llm_gateway_time_to_first_token_seconds', help: 'Streams: time from request arrival to the first content event.', labelNames: ['routed_model', 'cache_result'] as const, buckets: TTFT_BUCKETS, registers }),
    overhead: new LeanHistogram({ name: 'llm_gateway_overhead_seconds', help: "The gateway's own time: request duration minus time spent waiting on the upstream.", labelNames: ['route', 'cache_result'] as const, buckets: OVERHEAD_BUCKETS, registers }),
    tokens: new BufferedCounter({ name: 'llm_gateway_tokens_total', help: 'Tokens by disjoint billing type (input, output, cache_read, cache_write_5m, cache_write_1h), priced or not; batch="true" for Message Batches results.', labelNames: ['tenant', 'requested_model', 'routed_model', 'token_type', 'batch'] as const, registers }),
    cost: new BufferedCounter({ name: 'llm_gateway_cost_usd_total', help: 'Upstream spend in USD, priced from the answer usage and the model catalog (0 for cache hits); batch="true" for Message Batches results, at batch prices. Each request is exact in integer pico-USD; the sum is a float64.', labelNames: ['tenant', 'requested_model', 'routed_model', 'batch'] as const, registers }),
    unpricedTokens: new BufferedCounter({ name: 'llm_gateway_unpriced_tokens_total', help: 'Tokens the gateway could not price (a model, or a fast-mode price, the catalog lacks); they are also in llm_gateway_tokens_total.', labelNames: ['token_type'] as const, registers }),
    malformedUsage: new BufferedCounter({ name: 'llm_gateway_usage_malformed_total', help: 'Usage counts that were fractional, negative or non-numeric (repaired: rounded up, or 0) and still priced; unread: a 2xx Messages answer whose usage could not be read, left unpriced.', labelNames: ['reason'] as const, registers }),
    savings: new BufferedCounter({ name: 'llm_gateway_savings_usd_total', help: 'USD saved: routing (the requested model with its own prompt-cache state, minus what was served, when positive) and cache (what a repeat upstream call would have cost). Formulas: docs/metrics.md.', labelNames: ['tenant', 'reason', 'requested_model', 'routed_model'] as const, registers }),
    routingLoss: new BufferedCounter({ name: 'llm_gateway_routing_loss_usd_total', help: 'USD a rewrite cost above the requested model with its own prompt-cache state (a pricier target, or a warm cache thrown away); net routing savings = savings{reason="routing"} minus this.', labelNames: ['tenant', 'requested_model', 'routed_model'] as const, registers }),
    promptCacheProtected: new BufferedCounter({ name: 'llm_gateway_prompt_cache_protected_total', help: 'Requests a rule would have moved off a model holding their prompt cache warm, kept there because moving would cost more this turn (reason prompt_cache_warm).', labelNames: ['rule', 'warm_model', 'target_model'] as const, registers }),
    promptCacheKept: new BufferedCounter({ name: 'llm_gateway_prompt_cache_kept_usd_total', help: 'USD kept by prompt-cache protection: expected cost of the turn moved minus staying on the warm model (estimates made before the request).', labelNames: ['rule'] as const, registers }),
    promptCacheIgnored: new BufferedCounter({ name: 'llm_gateway_prompt_cache_ignored_total', help: 'Requests moved off a warm prompt cache at a higher expected cost because the rule says prompt_cache: ignore.', labelNames: ['rule'] as const, registers }),
    promptCacheState: new BufferedCounter({ name: 'llm_gateway_prompt_cache_state_operations_total', help: 'Prompt-cache state store operations (lookup before routing, learn after the answer) by result; timeouts and errors fail open.', labelNames: ['operation', 'result'] as const, registers }),
    shadowDecisions: new BufferedCounter({ name: 'llm_gateway_shadow_decisions_total', help: 'Requests a shadow rule would have routed.', labelNames: ['rule', 'would_route_to'] as const, registers }),
    shadowWouldSave: new BufferedCounter({ name: 'llm_gateway_shadow_would_save_usd_total', help: 'USD a shadow rule would have saved: what was served minus its target with that model\'s own prompt-cache state, when positive.', labelNames: ['rule'] as const, registers }),
    shadowWouldLose: new BufferedCounter({ name: 'llm_gateway_shadow_would_lose_usd_total', help: 'USD a shadow rule would have lost (its target with its own prompt-cache state costing more than what was served).', labelNames: ['rule'] as const, registers }),
    upstreamErrors: new BufferedCounter({ name: 'llm_gateway_upstream_errors_total', help: 'Upstream errors returned to clients, by Anthropic error.type (or timeout, connect_error, stream_error) and HTTP status.', labelNames: ['routed_model', 'error_type', 'code'] as const, registers }),
    fallbacks: new BufferedCounter({ name: 'llm_gateway_fallbacks_total', help: 'Fallbacks from one model to the next before any byte reached the client.', labelNames: ['from', 'to', 'reason'] as const, registers }),
    ruleSkips: new BufferedCounter({ name: 'llm_gateway_rule_skips_total', help: 'Rules whose match held but whose target the capability guard refused.', labelNames: ['rule', 'reason'] as const, registers }),
    lifecycleRemaps: new BufferedCounter({ name: 'llm_gateway_lifecycle_remaps_total', help: 'Requests for a retired model sent to its replacement.', labelNames: ['from', 'to'] as const, registers }),
    inflight: new CountingGauge({ name: 'llm_gateway_inflight_requests', help: 'Requests being served right now.', labelNames: ['route'] as const, registers }),
    // Read when scraped from the app's body budget (buildApp hands it over): nothing per request.
    requestBuffer: new Gauge({
      name: 'llm_gateway_request_buffer_bytes',
      help: 'Request-body bytes held in memory now (type="used") and the budget for them (type="limit", REQUEST_BUFFER_BUDGET_BYTES).',
      labelNames: ['type'] as const,
      registers,
      collect () {
        this.set({ type: 'used' }, bufferSource?.used ?? 0)
        this.set({ type: 'limit' }, bufferSource?.capacity ?? 0)
      }
    }),
    /** Where llm_gateway_request_buffer_bytes reads from. */
    watchRequestBuffer (source: { readonly used: number; readonly capacity: number }): void { bufferSource = source },
    cacheOperations: new BufferedCounter({ name: 'llm_gateway_cache_operations_total', help: 'Cache operations by result (hit, miss, stored, skipped, error, timeout).', labelNames: ['operation', 'result'] as const, registers }),
    cacheDuration: new LeanHistogram({ name: 'llm_gateway_cache_operation_duration_seconds', help: 'Cache store round trips.', labelNames: ['operation'] as const, buckets: CACHE_BUCKETS, registers }),
    cacheFailures: new BufferedCounter({ name: 'llm_gateway_cache_failures_total', help: 'Cache operations that failed open (the request went on uncached).', labelNames: ['operation'] as const, registers }),
    budgetUsed: new Gauge({ name: 'llm_gateway_tenant_budget_used_ratio', help: "Used fraction of a tenant's USD budget (period: day or month), as last seen by this replica; take max() across replicas.", labelNames: ['tenant', 'period'] as const, registers }),
    budgetAlertAt: new Gauge({ name: 'llm_gateway_tenant_budget_alert_ratio', help: "The tenant's soft budget threshold (budget.alert_at): used ratio at or above it alerts.", labelNames: ['tenant'] as const, registers }),
    limitRejections: new Counter({ name: 'llm_gateway_limit_rejections_total', help: 'Requests refused by a tenant or key limit, by reason (requests/input/output tokens per minute, usd_per_day, usd_per_month, store_unavailable).', labelNames: ['tenant', 'reason'] as const, registers }),
    budgetDowngrades: new Counter({ name: 'llm_gateway_budget_downgrades_total', help: 'Requests sent to the tenant’s cheaper model because a budget passed its downgrade threshold, by budget.', labelNames: ['tenant', 'reason'] as const, registers }),
    authFailures: new Counter({ name: 'llm_gateway_auth_failures_total', help: 'Requests refused with 401 by gateway-key authentication, by reason.', labelNames: ['tenant', 'reason'] as const, registers }),
    limitStoreFailures: new Counter({ name: 'llm_gateway_limit_store_failures_total', help: 'Limit and key store (Redis) operations that failed; mode says whether the tenant failed open or closed.', labelNames: ['tenant', 'mode'] as const, registers }),
    unpricedSpend: new Counter({ name: 'llm_gateway_tenant_unpriced_requests_total', help: 'Answers to a tenant whose model has no price in the catalog: not counted against its USD budgets.', labelNames: ['tenant'] as const, registers }),
    breakerTransitions: new Counter({ name: 'llm_gateway_circuit_breaker_transitions_total', help: 'Circuit breaker state changes per upstream model, by the state entered (open, half_open, closed).', labelNames: ['model', 'to'] as const, registers }),
    shortCircuits: new BufferedCounter({ name: 'llm_gateway_circuit_breaker_short_circuits_total', help: 'Calls to an upstream model skipped because its circuit breaker was open.', labelNames: ['model'] as const, registers }),
    retryBudgetExhausted: new Counter({ name: 'llm_gateway_retry_budget_exhausted_total', help: 'Fallback attempts refused because the retry budget was spent (the last upstream answer was returned).', registers }),
    breakerState: new Gauge({
      name: 'llm_gateway_circuit_breaker_state',
      help: 'Circuit breaker state per upstream model: 0 closed, 1 half-open, 2 open (models the gateway has called).',
      labelNames: ['model'] as const,
      registers,
      collect () {
        this.reset()
        for (const [model, value] of breakerStates()) this.set({ model }, value)
      }
    }),
    /** Gives the breaker gauge its source: model label → state value, read at scrape time. */
    observeBreakers (source: () => Iterable<[string, number]>): void { breakerStates = source },
    connectionsRefused: new Counter({ name: 'llm_gateway_connections_refused_total', help: 'Client connections closed as they arrived because MAX_CONNECTIONS were already open.', registers }),
    configReloads: new Counter({ name: 'llm_gateway_config_reloads_total', help: 'Policy reloads by result.', labelNames: ['result'] as const, registers }),
    buildInfo: new Gauge({ name: 'llm_gateway_build_info', help: 'Always 1; labels carry the version.', labelNames: ['version', 'node_version'] as const, registers })
  }
  metrics.buildInfo.set({ version: options.version, node_version: process.version }, 1)
  // Known-in-advance series exist from the start, so rate() sees the first increment.
  for (const result of ['success', 'failure']) metrics.configReloads.inc({ result }, 0)
  for (const operation of ['get', 'set', 'lock']) metrics.cacheFailures.inc({ operation }, 0)
  metrics.retryBudgetExhausted.inc(0)
  metrics.connectionsRefused.inc(0)
  // The alert on unpriced traffic needs the series to exist before the first unpriced token.
  for (const tokenType of ['input', 'output', 'cache_read', 'cache_write_5m', 'cache_write_1h']) metrics.unpricedTokens.inc({ token_type: tokenType }, 0)
  for (const reason of ['fractional', 'negative', 'non_numeric', 'unread']) metrics.malformedUsage.inc({ reason }, 0)
  for (const operation of ['lookup', 'learn']) for (const result of ['ok', 'timeout', 'error']) metrics.promptCacheState.inc({ operation, result }, 0)
  return metrics
}

export type Metrics = ReturnType<typeof createMetrics>
