// Pure. Turns a traced decision into words for people: what the request looked like to the rules,
// and per rule whether it matched, was skipped (and why) or which condition failed. Used by
// `POST /v1/gateway/explain` and `thriftline explain`; never on the request path.

import type { Decision, RoutingInput, RuleTrace } from './types.js'

export interface Explanation {
  /** One sentence: what happens to this request. */
  summary: string
  /** What the rules saw. */
  request: {
    model: string
    estimatedInputTokens: number
    maxTokens: number
    hasTools: boolean
    hasImages: boolean
    thinking: string | null
    systemChars: number
    metadataUserId: string | null
  }
  /** One line per rule and pass, in evaluation order, e.g. `✗ cheap-short: max_input_tokens: …`. */
  rules: string[]
  /** The same, structured. Empty when the decision was made without `{ trace: true }`. */
  trace: readonly RuleTrace[]
}

const MARK: Record<RuleTrace['outcome'], string> = {
  matched: '✓',
  shadow_matched: '◐',
  skipped: '⚠',
  not_matched: '✗',
  not_evaluated: '·'
}

/**
 * @example explain(decide(input, policy, catalog, 0.5, today, { trace: true }), input).rules
 */
export function explain (decision: Decision, input: RoutingInput): Explanation {
  const trace = decision.trace ?? []
  return {
    summary: summaryOf(decision),
    request: {
      model: input.requestedModel,
      estimatedInputTokens: input.estimatedInputTokens,
      maxTokens: input.maxTokens,
      hasTools: input.hasTools,
      hasImages: input.hasImages,
      thinking: input.thinkingType,
      systemChars: input.systemText.length,
      metadataUserId: input.metadataUserId
    },
    rules: trace.map((entry) => lineOf(entry, input.requestedModel)),
    trace
  }
}

function lineOf (entry: RuleTrace, requested: string): string {
  const shadow = entry.mode === 'shadow' ? ' [shadow]' : ''
  // A second pass evaluates the rules again for a virtual model a rule mapped to.
  const pass = entry.evaluatedFor === requested ? '' : ` (for ${entry.evaluatedFor})`
  const condition = entry.condition === undefined ? '' : `${entry.condition}: `
  return `${MARK[entry.outcome]} ${entry.rule}${shadow}${pass}: ${entry.outcome.replace('_', ' ')}: ${condition}${entry.detail}`
}

function summaryOf (decision: Decision): string {
  if (decision.unroutable !== null) return `${decision.requestedModel} cannot be served: ${decision.unroutable}.`
  const parts: string[] = []
  if (decision.targetModel === decision.requestedModel) parts.push(`${decision.requestedModel} is sent unchanged`)
  else parts.push(`${decision.requestedModel} is sent as ${decision.targetModel}`)
  if (decision.rule !== null) parts.push(`by rule "${decision.rule}"`)
  else if (decision.lifecycleRemap !== null) parts.push('because it is retired')
  else parts.push('(no rule matched)')
  let sentence = parts.join(' ')
  if (decision.fallbacks.length > 0) sentence += `; fallbacks: ${decision.fallbacks.join(', ')}`
  if (decision.skipped.length > 0) sentence += `; ${decision.skipped.length} rule(s) skipped by the capability guard`
  if (decision.shadow !== null) sentence += `; shadow rule "${decision.shadow.rule}" would have sent it to ${decision.shadow.targetModel}`
  const cache = decision.promptCache
  if (cache !== null) {
    const money = `this turn ${usdText(cache.stayPicoUsd)} staying on warm ${cache.warmModel} vs ${usdText(cache.movePicoUsd)} on ${cache.targetModel}`
    if (cache.outcome === 'protected') sentence += `; kept on ${cache.warmModel} (prompt_cache_warm): ${money}`
    else if (cache.outcome === 'ignored') sentence += `; moved although it costs more (prompt_cache: ignore): ${money}`
    else sentence += `; moved off a warm prompt cache because it is still cheaper: ${money}`
  }
  return sentence + '.'
}

function usdText (pico: number): string {
  return '$' + (pico / 1e12).toFixed(6)
}
