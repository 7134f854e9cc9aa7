// The model catalog: what each Anthropic model can serve and what it costs. Shared by the policy
// (capability guard, lifecycle remap) and the metrics (cost). Loaded from config/models.yaml and
// the policy's `models:` overrides; compiled once, frozen, never mutated per request.

/**
 * Prices in integer micro-USD per million tokens, which is the same number as pico-USD per token:
 * $3/MTok = 3_000_000. Integers keep money math exact.
 */
export interface PriceRow {
  input: number
  cacheWrite5m: number
  cacheWrite1h: number
  cacheRead: number
  output: number
}

export interface PriceSchedule {
  /** ISO date (YYYY-MM-DD) from which this schedule applies, inclusive. */
  effectiveFrom: string
  base: PriceRow
  /**
   * Long-context or prompt-length band: when the prompt (input + cache writes + cache reads)
   * exceeds `overPromptTokens`, every token of the request is billed at `prices`.
   */
  band?: { overPromptTokens: number; prices: PriceRow }
  /** `speed: "fast"` prices; they apply across the whole context window. */
  fast?: PriceRow
  /** Fast mode is offered but its price is not known: fast tokens are counted as unpriced. */
  fastUnknown?: true
}

export interface ModelCapabilities {
  contextWindow: number
  maxOutputTokens: number
  vision: boolean
  /** `thinking.type` values the model accepts (e.g. ["enabled","disabled","adaptive"]). */
  thinkingTypes: readonly string[]
  /** Which sampling params it accepts: all, only temperature 1 / top_p >= 0.99, or none. */
  sampling: 'all' | 'restricted'
  /** Accepts `inference_geo` (Claude 4.6+). */
  inferenceGeo: boolean
  /** Accepts `speed: "fast"`. */
  fastMode: boolean
  /** Accepts a final assistant turn (prefill); rejected on 4.6+. */
  prefill: boolean
}

export interface CatalogModel {
  /** Canonical id used in labels and policy targets, e.g. `claude-sonnet-4-5`. */
  id: string
  displayName: string
  /** Dated snapshot ids and other aliases that name this model. */
  aliases: readonly string[]
  capabilities: ModelCapabilities
  /** ISO date the model stops being served upstream, if announced. */
  retiresAt?: string
  /** Canonical id of the model to use once retired. */
  replacement?: string
  /** Sorted by effectiveFrom ascending. */
  prices: readonly PriceSchedule[]
}

export interface ModelCatalog {
  readonly models: readonly CatalogModel[]
  /** Resolves a canonical id, dated id or alias (a `[1m]` suffix is ignored); undefined if unknown. */
  resolve (modelId: string): CatalogModel | undefined
}
