// Pure. Before a rule moves a request off a model that holds its prompt prefix warm: what this
// turn is expected to cost staying (prefix read) and moving (prefix written or sent uncached at the
// target, unless the target is warm too). A move is protected against (the request stays) when it
// was meant to save money — it is cheaper with both caches cold — but the warm cache makes it cost
// more. Moves that cost more even cold (a rule upgrading for quality) are the rule's business.

import type { CatalogModel } from '../catalog/types.js'
import type { PromptCacheView, WarmPrefix } from './state.js'
import { convertTokens, expectedUsage } from './turn-cost.js'
import type { PriceUsage, TurnShape } from './turn-cost.js'

/** Expected output when no earlier answer on this prefix says better. */
const DEFAULT_OUTPUT_TOKENS = 1024

export interface CacheComparison {
  warmModel: string
  targetModel: string
  /** Expected cost of this turn staying on the warm model, pico-USD (an integer below 2^53). */
  stayPicoUsd: number
  /** Expected cost of this turn on the target with its own cache state. */
  movePicoUsd: number
  /** The move is cheaper when nothing is cached: the rule means to save money. */
  isDowngrade: boolean
  /** Moving costs more than staying, for a move meant to save: the request should stay. */
  losesMoney: boolean
}

export interface MoveQuestion {
  view: PromptCacheView
  current: CatalogModel
  target: CatalogModel
  /** The current model receives the body as sent (else: reshaped for another model). */
  currentGetsBodyAsSent: boolean
  targetGetsBodyAsSent: boolean
  /** estimate.ts's count (Claude 4.x units). */
  estimatedInputTokens: number
  maxTokens: number
  price: PriceUsage
}

function warmOf (prefixes: readonly WarmPrefix[], model: CatalogModel): WarmPrefix | null {
  return prefixes.find((warm) => warm.model === model.id) ?? null
}

/** Null when the current model holds nothing warm for this prompt (or a price is missing): nothing to protect. */
export function compareMove (q: MoveQuestion): CacheComparison | null {
  const warm = warmOf(q.currentGetsBodyAsSent ? q.view.asSent : q.view.reshaped, q.current)
  if (warm === null) return null
  const targetWarm = warmOf(q.targetGetsBodyAsSent ? q.view.asSent : q.view.reshaped, q.target)
  const prefixTokens = convertTokens(warm.tokens, q.current, null)
  const expectedOutput = warm.outputTokens > 0 ? warm.outputTokens : Math.min(Math.max(q.maxTokens, 1), DEFAULT_OUTPUT_TOKENS)
  // The prefix is known exactly (from usage); only what follows it is estimated, as its share of the
  // estimate: estimating the whole prompt and subtracting would turn the estimate's error on the
  // prefix into phantom new input.
  const turn: TurnShape = {
    promptTokens: prefixTokens + Math.round(q.estimatedInputTokens * warm.tailShare),
    prefixTokens,
    outputTokens: convertTokens(expectedOutput, q.current, null),
    writeTtl: q.view.lastTtl
  }
  const stay = q.price(expectedUsage(q.current, turn, warm.tokens), q.current)
  const move = q.price(expectedUsage(q.target, turn, targetWarm?.tokens ?? 0), q.target)
  const stayCold = q.price(expectedUsage(q.current, turn, 0), q.current)
  const moveCold = q.price(expectedUsage(q.target, turn, 0), q.target)
  if (stay === null || move === null || stayCold === null || moveCold === null) return null
  const isDowngrade = moveCold <= stayCold
  return {
    warmModel: q.current.id,
    targetModel: q.target.id,
    stayPicoUsd: Number(stay),
    movePicoUsd: Number(move),
    isDowngrade,
    losesMoney: isDowngrade && move > stay
  }
}
