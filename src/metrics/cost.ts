// The cost function lives in src/pricing/; this path re-exports it for existing callers.

export type { CostModifiers, Cost, CostLine, ModelResolver, UnpricedReason } from '../pricing/price-usage.js'
export { priceUsage, picoToUsd, WEB_SEARCH_PICO_USD } from '../pricing/price-usage.js'
export type { TokenBreakdown, UsageIssue } from '../pricing/read-usage.js'
export { promptTokens, tokenBreakdown } from '../pricing/read-usage.js'
