// Pure. Honest savings: what a request would have cost on another model (the one the client asked
// for, or a shadow rule's target) *with that model's own prompt-cache state*, from the usage the
// served model reported, token counts converted between tokenizer generations; and what a
// gateway cache hit saved, priced as a repeat call would really have been billed (cache writes of
// the original answer become reads while they live). Formulas: docs/metrics.md "Savings".

import type { CatalogModel } from '../catalog/types.js'
import { tokenBreakdown } from './cost.js'
import type { TtlKind } from '../prompt-cache/prefix.js'
import { TTL_MS } from '../prompt-cache/prefix.js'
import { convertTokens } from '../prompt-cache/turn-cost.js'
import type { PriceUsage } from '../prompt-cache/turn-cost.js'
import type { Usage } from '../types/anthropic.js'

/**
 * The usage `other` would have reported for the prompt `served` answered: the same prompt and
 * output in `other`'s tokenizer; of the cacheable part (what `served` read or wrote), what
 * `other` held warm is read and the rest written (with `served`'s 5m/1h split, or `writeTtl` when
 * `served` wrote nothing); the uncached tail stays input. `otherWarmTokens` null = not known.
 *
 * @example counterfactualUsage({ input_tokens: 2000, cache_creation_input_tokens: 50_000, output_tokens: 500 }, haiku45, sonnet45, 50_000, '5m')
 * // { input_tokens: 2000, cache_read_input_tokens: 50000, cache_creation_input_tokens: 0, … output_tokens: 500 }
 */
export function counterfactualUsage (served: Usage, servedModel: CatalogModel, other: CatalogModel, otherWarmTokens: number | null, writeTtl: TtlKind | null): Usage {
  const t = tokenBreakdown(served)
  const written = t.cacheWrite5m + t.cacheWrite1h
  const cacheable = convertTokens(written + t.cacheRead, servedModel, other)
  const prompt = convertTokens(t.input, servedModel, other) + cacheable
  // Unknown state (the request is not tracked, or the store did not answer): mirror the served
  // model's reads, the pre-tracking assumption, rather than guess either way.
  const warm = otherWarmTokens === null ? convertTokens(t.cacheRead, servedModel, other) : otherWarmTokens
  const read = Math.min(cacheable, Math.max(0, warm))
  const write = cacheable - read
  const write1h = written > 0 ? Math.round(write * t.cacheWrite1h / written) : writeTtl === '1h' ? write : 0
  const usage: Usage = {
    input_tokens: prompt - cacheable,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: write,
    cache_creation: { ephemeral_5m_input_tokens: write - write1h, ephemeral_1h_input_tokens: write1h },
    output_tokens: convertTokens(t.output, servedModel, other)
  }
  if (served.server_tool_use !== undefined && served.server_tool_use !== null) usage.server_tool_use = served.server_tool_use
  return usage
}

/**
 * Signed routing savings in pico-USD: `baseline` (the model that would have answered without the
 * policy) with its own cache state, minus what the served model cost. Negative = the routing lost
 * money. Null when either side has no price.
 */
export function routingDelta (served: Usage, servedModel: CatalogModel, baseline: CatalogModel, baselineWarmTokens: number | null, writeTtl: TtlKind | null, price: PriceUsage): bigint | null {
  const actual = price(served, servedModel)
  const wouldHave = price(counterfactualUsage(served, servedModel, baseline, baselineWarmTokens, writeTtl), baseline)
  if (actual === null || wouldHave === null) return null
  return wouldHave - actual
}

/**
 * What a repeat of a cached answer would have cost upstream, `ageMs` after the original: its cache
 * writes would have been reads while they lived (5 minutes, 1 hour).
 *
 * @example repeatCallUsage({ input_tokens: 10, cache_creation_input_tokens: 1000, output_tokens: 5 }, 60_000) // 1000 cache reads, no writes
 */
export function repeatCallUsage (original: Usage, ageMs: number): Usage {
  const t = tokenBreakdown(original)
  const live5m = ageMs < TTL_MS['5m'] ? t.cacheWrite5m : 0
  const live1h = ageMs < TTL_MS['1h'] ? t.cacheWrite1h : 0
  const write5m = t.cacheWrite5m - live5m
  const write1h = t.cacheWrite1h - live1h
  const usage: Usage = {
    input_tokens: t.input,
    cache_read_input_tokens: t.cacheRead + live5m + live1h,
    cache_creation_input_tokens: write5m + write1h,
    cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
    output_tokens: t.output
  }
  if (original.server_tool_use !== undefined && original.server_tool_use !== null) usage.server_tool_use = original.server_tool_use
  return usage
}
