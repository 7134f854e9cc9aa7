// Pure. What a response's usage costs, in integer pico-USD (exact), from the catalog's dated
// per-model prices (Anthropic's pricing page): price band by prompt length, fast mode, 5m/1h
// cache writes, cache reads, batch ×1/2, US residency ×11/10, web search $10 per 1,000.

import type { CatalogModel, PriceRow } from '../catalog/types.js'
import { priceScheduleAt } from '../catalog/price-at.js'
import { tokenCount } from '../messages/usage.js'
import type { Usage } from '../types/anthropic.js'

export interface CostModifiers {
  /** YYYY-MM-DD: picks the price schedule in force. */
  isoDate: string
  batch: boolean
  inferenceGeo: string | undefined
  speed: string | undefined
}

export interface TokenBreakdown {
  input: number
  cacheWrite5m: number
  cacheWrite1h: number
  cacheRead: number
  output: number
}

export interface Cost {
  /** Exact total in pico-USD (1e-12 USD). */
  picoUsd: bigint
  tokens: TokenBreakdown
}

/** $10 per 1,000 web searches = 10,000,000,000 pico-USD per search. */
const WEB_SEARCH_PICO_USD = 10_000_000_000n

/** Splits usage into Anthropic's disjoint billing buckets; missing and null count as 0. */
export function tokenBreakdown (usage: Usage): TokenBreakdown {
  const creation = tokenCount(usage.cache_creation_input_tokens)
  const detail = usage.cache_creation
  const has1hDetail = detail !== null && detail !== undefined &&
    (detail.ephemeral_1h_input_tokens !== undefined || detail.ephemeral_5m_input_tokens !== undefined)
  // Older responses have no breakdown: then the whole cache write is 5-minute.
  const write1h = has1hDetail ? tokenCount(detail.ephemeral_1h_input_tokens) : 0
  const write5m = has1hDetail ? tokenCount(detail.ephemeral_5m_input_tokens) : creation
  return {
    input: tokenCount(usage.input_tokens),
    cacheWrite5m: write5m,
    cacheWrite1h: write1h,
    cacheRead: tokenCount(usage.cache_read_input_tokens),
    output: tokenCount(usage.output_tokens)
  }
}

/** Prompt size that decides a price band: input + cache writes + cache reads. */
export function promptTokens (tokens: TokenBreakdown): number {
  return tokens.input + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.cacheRead
}

function rowFor (model: CatalogModel, tokens: TokenBreakdown, modifiers: CostModifiers): PriceRow | undefined {
  const schedule = priceScheduleAt(model, modifiers.isoDate)
  if (schedule === undefined) return undefined
  if (modifiers.speed === 'fast' && schedule.fast !== undefined) return schedule.fast
  if (schedule.band !== undefined && promptTokens(tokens) > schedule.band.overPromptTokens) return schedule.band.prices
  return schedule.base
}

/**
 * @example priceUsage({ input_tokens: 1000, output_tokens: 100 }, sonnet45, { isoDate: '2026-11-24', batch: false, inferenceGeo: undefined, speed: undefined }).picoUsd // 4_500_000_000n ($0.0045)
 */
export function priceUsage (usage: Usage, model: CatalogModel, modifiers: CostModifiers): Cost {
  const tokens = tokenBreakdown(usage)
  const row = rowFor(model, tokens, modifiers)
  if (row === undefined) return { picoUsd: 0n, tokens }
  let pico = BigInt(tokens.input) * BigInt(row.input) +
    BigInt(tokens.cacheWrite5m) * BigInt(row.cacheWrite5m) +
    BigInt(tokens.cacheWrite1h) * BigInt(row.cacheWrite1h) +
    BigInt(tokens.cacheRead) * BigInt(row.cacheRead) +
    BigInt(tokens.output) * BigInt(row.output)
  if (modifiers.batch) pico /= 2n
  // Data residency applies to Claude 4.6+ only; earlier models reject the field upstream.
  if (modifiers.inferenceGeo === 'us' && model.capabilities.inferenceGeo) pico = pico * 11n / 10n
  const searches = tokenCount(usage.server_tool_use?.web_search_requests)
  pico += BigInt(searches) * WEB_SEARCH_PICO_USD
  return { picoUsd: pico, tokens }
}

/** Converts exact pico-USD to a float USD once, at the metrics edge. */
export function picoToUsd (pico: bigint): number {
  const whole = pico / 1_000_000_000_000n
  const fraction = pico % 1_000_000_000_000n
  return Number(whole) + Number(fraction) / 1e12
}
