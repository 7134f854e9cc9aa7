// Pure. What an answer costs, in exact integer pico-USD, priced the way Anthropic bills it: from
// the answer's own `usage` (service_tier, inference_geo, speed, the 5m/1h cache-write split,
// server_tool_use, iterations), with the request's facts only where usage is silent
// (Messages API usage docs, pricing page). Tokens whose price is unknown are never priced at zero: they are
// returned as unpriced, with the model that lacks a price.

import type { CatalogModel, PriceRow } from '../catalog/types.js'
import { priceScheduleAt } from '../catalog/price-at.js'
import type { Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { TokenBreakdown, UsageIssue } from './read-usage.js'
import { addTokens, hasTokens, promptTokens, readCount, readTokens, zeroTokens } from './read-usage.js'

/** The request's facts: used only where the answer's usage does not say. */
export interface CostModifiers {
  /** YYYY-MM-DD (UTC) the request was served: picks the price schedule in force. */
  isoDate: string
  /** Sent through the Message Batches API (usage.service_tier "batch" says so too). */
  batch: boolean
  /** The request's `inference_geo`. */
  inferenceGeo: string | undefined
  /** The request's `speed`. */
  speed: string | undefined
}

export type LineKind = 'usage' | 'remainder' | 'message' | 'compaction' | 'advisor_message' | 'fallback_message' | 'other'
export type UnpricedReason = 'unknown_model' | 'unknown_fast_price'

/** One priced piece of an answer: the top-level usage, or one `iterations[]` entry. */
export interface CostLine {
  kind: LineKind
  /** Catalog id when known, else the id the answer named. */
  model: string
  tokens: TokenBreakdown
  /** Exact pico-USD; null when the price is unknown (the tokens are then unpriced). */
  picoUsd: bigint | null
  unpricedReason?: UnpricedReason
  /** Which price row applied: base, band (long-context / prompt-length) or fast. */
  row?: 'base' | 'band' | 'fast'
}

export interface Cost {
  /** Exact total of everything priced, in pico-USD (1e-12 USD). */
  picoUsd: bigint
  /** Every billable token of the answer (all lines), priced or not. */
  tokens: TokenBreakdown
  /** The part of `tokens` whose price is unknown. */
  unpricedTokens: TokenBreakdown
  /** Ids (as named by the answer) of the models whose tokens are unpriced, with why. */
  unpriced: Array<{ model: string; reason: UnpricedReason }>
  webSearches: number
  /** Effective modifiers, after reading usage. */
  batch: boolean
  inferenceGeo: string | undefined
  speed: string | undefined
  issues: UsageIssue[]
  lines: CostLine[]
}

export type ModelResolver = (modelId: string) => CatalogModel | undefined

/** $10 per 1,000 web searches = 10,000,000,000 pico-USD per search (not discounted, not ×1.1). */
export const WEB_SEARCH_PICO_USD = 10_000_000_000n

/**
 * Prices one answer. `model` is the catalog model that served it, or the id the answer named when
 * the catalog lacks it (then every token is unpriced). `resolve` finds the models named by
 * `usage.iterations[]` (the advisor's, a fallback's); without it they count as unknown unless they
 * are `model` itself.
 *
 * Arithmetic: per line, Σ tokens × price (micro-USD per MTok = pico-USD per token) is exact; the
 * batch (×1/2) and US residency (×11/10) factors are applied as one rational ×n/20 and rounded
 * half up to the pico-USD — with prices that are whole multiples of 20 micro-USD per MTok (every
 * published price is) no rounding ever happens.
 *
 * @example priceUsage({ input_tokens: 1000, output_tokens: 100 }, sonnet45, { isoDate: '2026-11-24', batch: false, inferenceGeo: undefined, speed: undefined }).picoUsd // 4_500_000_000n ($0.0045)
 */
export function priceUsage (usage: Usage, model: CatalogModel | string, modifiers: CostModifiers, resolve?: ModelResolver): Cost {
  const issues: UsageIssue[] = []
  const top = isRecord(usage) ? usage as Record<string, unknown> : {}
  const tier = typeof top.service_tier === 'string' ? top.service_tier : undefined
  const batch = tier !== undefined ? tier === 'batch' : modifiers.batch
  const usageGeo = typeof top.inference_geo === 'string' ? top.inference_geo : undefined
  const usageSpeed = typeof top.speed === 'string' ? top.speed : undefined
  const inferenceGeo = usageGeo ?? modifiers.inferenceGeo
  const speed = usageSpeed ?? modifiers.speed
  const topModel = typeof model === 'string' ? undefined : model
  const topId = typeof model === 'string' ? model : model.id
  const context: LineContext = {
    isoDate: modifiers.isoDate,
    batch,
    // Reported by the answer: billed as reported. From the request only: Claude 4.6+ accept it.
    us: inferenceGeo === 'us' && (usageGeo !== undefined || topModel?.capabilities.inferenceGeo === true),
    speed,
    speedFromUsage: usageSpeed !== undefined
  }

  const lines: CostLine[] = []
  const topTokens = readTokens(top, '', issues)
  const iterations = Array.isArray(top.iterations) ? top.iterations : []
  // `message` and `fallback_message` entries add up to the top-level usage; compaction and advisor
  // entries are not in it (SDK BetaIterationsUsage docs). So the entries are priced one by one and
  // whatever top-level usage the message entries do not explain is priced as a remainder.
  const covered = zeroTokens()
  let sawMessage = false
  for (let i = 0; i < iterations.length; i++) {
    const raw: unknown = iterations[i]
    if (!isRecord(raw)) continue
    const kind = lineKind(raw.type)
    const tokens = readTokens(raw, `iterations[${i}]`, issues)
    if (kind === 'message' || kind === 'fallback_message') { addTokens(covered, tokens); sawMessage = true }
    if (!hasTokens(tokens)) continue
    const named = typeof raw.model === 'string' && raw.model !== '' ? raw.model : topId
    const entryModel = named === topId ? topModel : resolve?.(named)
    // Speed belongs to the model the request asked for; an advisor runs at its own standard speed.
    const lineContext = entryModel === topModel ? context : { ...context, speed: undefined, speedFromUsage: false }
    lines.push(priceLine(kind, entryModel, named, tokens, lineContext))
  }
  const remainder = sawMessage ? uncovered(topTokens, covered) : topTokens
  if (hasTokens(remainder) || lines.length === 0) {
    lines.push(priceLine(sawMessage ? 'remainder' : 'usage', topModel, topId, remainder, context))
  }

  const webSearches = isRecord(top.server_tool_use) ? readCount(top.server_tool_use.web_search_requests, 'server_tool_use.web_search_requests', issues) : 0
  let picoUsd = webSearches > 0 ? BigInt(webSearches) * WEB_SEARCH_PICO_USD : 0n
  const tokens = zeroTokens()
  const unpricedTokens = zeroTokens()
  const unpriced: Cost['unpriced'] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as CostLine
    addTokens(tokens, line.tokens)
    if (line.picoUsd !== null) picoUsd += line.picoUsd
    else {
      addTokens(unpricedTokens, line.tokens)
      if (!hasModel(unpriced, line.model)) unpriced.push({ model: line.model, reason: line.unpricedReason ?? 'unknown_model' })
    }
  }
  return { picoUsd, tokens, unpricedTokens, unpriced, webSearches, batch, inferenceGeo, speed, issues, lines }
}

interface LineContext {
  isoDate: string
  batch: boolean
  us: boolean
  speed: string | undefined
  speedFromUsage: boolean
}

function priceLine (kind: LineKind, model: CatalogModel | undefined, named: string, tokens: TokenBreakdown, context: LineContext): CostLine {
  if (model === undefined) return { kind, model: named, tokens, picoUsd: null, unpricedReason: 'unknown_model' }
  const chosen = rowFor(model, tokens, context)
  if ('unpriced' in chosen) return { kind, model: model.id, tokens, picoUsd: null, unpricedReason: chosen.unpriced }
  const { row, which } = chosen
  let atList = 0n
  if (tokens.input > 0) atList += BigInt(tokens.input) * BigInt(row.input)
  if (tokens.cacheWrite5m > 0) atList += BigInt(tokens.cacheWrite5m) * BigInt(row.cacheWrite5m)
  if (tokens.cacheWrite1h > 0) atList += BigInt(tokens.cacheWrite1h) * BigInt(row.cacheWrite1h)
  if (tokens.cacheRead > 0) atList += BigInt(tokens.cacheRead) * BigInt(row.cacheRead)
  if (tokens.output > 0) atList += BigInt(tokens.output) * BigInt(row.output)
  if (!context.batch && !context.us) return { kind, model: model.id, tokens, picoUsd: atList, row: which }
  // ×(1/2 if batch)×(11/10 if US) as one fraction n/20, rounded half up.
  const numerator = (context.batch ? 1n : 2n) * (context.us ? 11n : 10n)
  const picoUsd = (atList * numerator * 2n + 20n) / 40n
  return { kind, model: model.id, tokens, picoUsd, row: which }
}

function rowFor (model: CatalogModel, tokens: TokenBreakdown, context: LineContext): { row: PriceRow; which: 'base' | 'band' | 'fast' } | { unpriced: UnpricedReason } {
  const schedule = priceScheduleAt(model, context.isoDate)
  if (schedule === undefined) return { unpriced: 'unknown_model' }
  if (context.speed === 'fast') {
    // Fast prices apply across the whole context window (no long-context band).
    if (schedule.fast !== undefined) return { row: schedule.fast, which: 'fast' }
    // The answer says it ran fast but no fast price is known: unpriced, never billed as standard.
    if (context.speedFromUsage || schedule.fastUnknown === true) return { unpriced: 'unknown_fast_price' }
  }
  if (schedule.band !== undefined && promptTokens(tokens) > schedule.band.overPromptTokens) return { row: schedule.band.prices, which: 'band' }
  return { row: schedule.base, which: 'base' }
}

/** Top-level usage the message entries do not account for (never negative). */
function uncovered (top: TokenBreakdown, covered: TokenBreakdown): TokenBreakdown {
  return {
    input: Math.max(0, top.input - covered.input),
    cacheWrite5m: Math.max(0, top.cacheWrite5m - covered.cacheWrite5m),
    cacheWrite1h: Math.max(0, top.cacheWrite1h - covered.cacheWrite1h),
    cacheRead: Math.max(0, top.cacheRead - covered.cacheRead),
    output: Math.max(0, top.output - covered.output)
  }
}

function hasModel (list: Cost['unpriced'], model: string): boolean {
  for (let i = 0; i < list.length; i++) if ((list[i] as Cost['unpriced'][number]).model === model) return true
  return false
}

function lineKind (type: unknown): LineKind {
  return type === 'message' || type === 'compaction' || type === 'advisor_message' || type === 'fallback_message' ? type : 'other'
}

/** Converts exact pico-USD to a float USD once, at the metrics edge. */
export function picoToUsd (pico: bigint): number {
  const whole = pico / 1_000_000_000_000n
  const fraction = pico % 1_000_000_000_000n
  return Number(whole) + Number(fraction) / 1e12
}
