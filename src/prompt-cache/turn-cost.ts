// Pure. What one turn would cost on a model given that model's own prompt-cache state: the usage
// it would report (warm prefix read, the rest of the prefix written at the request's TTL or sent
// uncached, the tail as input, the expected output), priced through a narrow price function.
// Token counts are converted between tokenizer generations with the catalog's ratios.

import type { CatalogModel } from '../catalog/types.js'
import type { Usage } from '../types/anthropic.js'
import type { TtlKind } from './prefix.js'

/** Prices a usage on a model in pico-USD; null when the model has no price (unpriced, never zero). */
export type PriceUsage = (usage: Usage, model: CatalogModel) => bigint | null

const BASE_PERMILLE = 1000

function permilleOf (model: CatalogModel): number {
  return model.tokenizerPermille ?? BASE_PERMILLE
}

/**
 * Tokens `from`'s tokenizer counted, as `to`'s tokenizer would count the same text.
 *
 * @example convertTokens(1000, sonnet46, opus55) // 1300
 */
export function convertTokens (tokens: number, from: CatalogModel | null, to: CatalogModel | null): number {
  const fromPermille = from === null ? BASE_PERMILLE : permilleOf(from)
  const toPermille = to === null ? BASE_PERMILLE : permilleOf(to)
  if (fromPermille === toPermille) return tokens
  return Math.round(tokens * toPermille / fromPermille)
}

/** One turn in base (Claude 4.x tokenizer) units; `null` model in convertTokens means base. */
export interface TurnShape {
  /** The whole prompt: input + cache reads + cache writes. */
  promptTokens: number
  /** The part of the prompt up to the last breakpoint (what is read when warm, written when cold). */
  prefixTokens: number
  outputTokens: number
  /** TTL of the last breakpoint; null = the request has none, so a cold prefix is plain input. */
  writeTtl: TtlKind | null
}

/**
 * The usage `model` would report for the turn, given how many tokens of this prompt it holds warm
 * (`warmTokens`, in its own tokenizer; 0 when cold).
 *
 * @example expectedUsage(haiku45, { promptTokens: 52_000, prefixTokens: 50_000, outputTokens: 500, writeTtl: '5m' }, 0)
 * // { input_tokens: 2000, cache_read_input_tokens: 0, cache_creation_input_tokens: 50000, … output_tokens: 500 }
 */
export function expectedUsage (model: CatalogModel, turn: TurnShape, warmTokens: number): Usage {
  const prompt = convertTokens(turn.promptTokens, null, model)
  const prefix = Math.min(prompt, convertTokens(turn.prefixTokens, null, model))
  const read = Math.min(prompt, warmTokens)
  const write = turn.writeTtl === null ? 0 : Math.max(0, prefix - read)
  return {
    input_tokens: prompt - read - write,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: write,
    cache_creation: { ephemeral_5m_input_tokens: turn.writeTtl === '5m' ? write : 0, ephemeral_1h_input_tokens: turn.writeTtl === '1h' ? write : 0 },
    output_tokens: convertTokens(turn.outputTokens, null, model)
  }
}
