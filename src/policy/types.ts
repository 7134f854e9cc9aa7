// The policy's public shapes: what `decide` takes and returns, and the compiled rule table it
// reads. Pure data, no behaviour.

import type { PromptCacheView } from '../prompt-cache/state.js'

export type SkipReason =
  | 'no_match'
  | 'context_window'
  | 'vision'
  | 'thinking'
  | 'sampling_params'
  | 'inference_geo'
  | 'speed'
  | 'prefill'
  | 'tool_version'
  | 'unknown_target'
  | 'retired_target'
  | 'thinking_signature'

export interface SkippedRule {
  rule: string
  reason: SkipReason
  detail: string
}

/** Per-rule cache directive: `false` turns caching off, an object overrides the global settings. */
export type RuleCacheDirective = false | { ttlSeconds?: number; mode?: 'deterministic' | 'all' }

/** A fallback model the capability guard removed from the list, and why. */
export interface DroppedFallback {
  model: string
  reason: SkipReason
  detail: string
}

/** Per-rule prompt-cache stance: `protect` keeps a request on a warm model when moving would cost more. */
export type PromptCachePolicy = 'protect' | 'ignore'

/**
 * A rule wanted to move a request off a model holding its prompt prefix warm; both expected costs
 * of this turn (pico-USD, integers) and what happened.
 */
export interface PromptCacheDecision {
  rule: string
  /** protected: the request stayed; moved: the move was cheaper anyway; ignored: it would have stayed, but the rule says `ignore`. */
  outcome: 'protected' | 'moved' | 'ignored'
  /** `prompt_cache_warm`: the warm cache makes a money-saving move cost more; `move_cheaper`: it still saves; `upgrade`: the rule moves to a pricier model on purpose. */
  reason: 'prompt_cache_warm' | 'move_cheaper' | 'upgrade'
  warmModel: string
  targetModel: string
  stayPicoUsd: number
  movePicoUsd: number
}

/** One rule's outcome, recorded only when `decide` is asked to trace (explain endpoint and CLI). */
export interface RuleTrace {
  rule: string
  mode: 'enforce' | 'shadow'
  /** The model name this pass evaluated: the request's, or a virtual model a rule mapped to. */
  evaluatedFor: string
  outcome: 'matched' | 'shadow_matched' | 'not_matched' | 'skipped' | 'not_evaluated'
  /** The first condition that did not hold (`not_matched`), e.g. `max_input_tokens`. */
  condition?: string
  detail: string
  /** The model the rule picked (matched, shadow_matched or skipped). */
  targetModel?: string
}

export interface Decision {
  /** The model the client asked for, as sent. */
  requestedModel: string
  /** The model to send upstream first (equals requestedModel when nothing applies). */
  targetModel: string
  /** Name of the applied rule; null when none matched (or only a shadow rule did). */
  rule: string | null
  /** Models to try, in order, when the target answers 429/529/5xx or cannot be reached. */
  fallbacks: readonly string[]
  cache: RuleCacheDirective | undefined
  /** One line for logs and explain. */
  reason: string
  /** Rules whose match held but whose target was refused by the capability guard. */
  skipped: readonly SkippedRule[]
  /** A retired model remapped to its replacement. */
  lifecycleRemap: { from: string; to: string } | null
  /** A shadow rule that matched: would have routed to `targetModel`, but nothing was applied. */
  shadow: { rule: string; targetModel: string } | null
  /** Fallbacks of the applied rule that the capability guard removed (or that are retired). */
  droppedFallbacks: readonly DroppedFallback[]
  /**
   * Set when the request names a virtual model (e.g. `auto`) and no rule could serve it: the
   * route should answer TL_ERR_MODEL_UNAVAILABLE with this text instead of forwarding.
   */
  unroutable: string | null
  /** Set when a rule's move was weighed against a warm prompt cache. */
  promptCache: PromptCacheDecision | null
  /** Per-rule evaluation, only when decide() was called with `{ trace: true }`. */
  trace?: readonly RuleTrace[]
}

/** What the rules look at, extracted once per request by toRoutingInput. */
export interface RoutingInput {
  requestedModel: string
  /** Lower-case header names (as Node delivers them). */
  headers: Readonly<Record<string, string | string[] | undefined>>
  metadataUserId: string | null
  /** Local estimate (src/policy/estimate.ts); never an upstream call. */
  estimatedInputTokens: number
  /** 0 when absent (count_tokens bodies). */
  maxTokens: number
  hasTools: boolean
  /** `type` of every tool that is not a plain custom tool, e.g. `web_search_20250305`. */
  toolTypes: readonly string[]
  /** Image blocks anywhere (also inside tool_result), or PDF documents (pages are read as images). */
  hasImages: boolean
  hasDocuments: boolean
  /** `thinking.type` as sent; null when the request has no `thinking`. */
  thinkingType: string | null
  /** Extended thinking requested: `thinking` present and its type is not `disabled`. */
  isThinkingRequested: boolean
  thinkingBudgetTokens: number | null
  /** The system prompt's text (text blocks joined by a newline); '' when absent. */
  systemText: string
  temperature: number | null
  topP: number | null
  topK: number | null
  inferenceGeo: string | null
  speed: string | null
  /** The last message is an assistant turn (prefill). */
  isPrefill: boolean
  /** Prompt-cache state of this conversation, looked up at the edge; absent = unknown (nothing protected). */
  promptCache?: PromptCacheView | null
}

export type StickyKey = { kind: 'metadata_user_id' } | { kind: 'header'; name: string }

export interface CompiledPattern {
  /** The globs or regex as written, for explanations. */
  source: string
  regex: RegExp
}

/** Every condition is optional; a rule with no conditions matches every request. */
export interface CompiledMatch {
  model: CompiledPattern | null
  headers: readonly { name: string; pattern: CompiledPattern }[]
  metadataUserId: CompiledPattern | null
  maxInputTokens: number | null
  minInputTokens: number | null
  hasTools: boolean | null
  hasImages: boolean | null
  thinking: boolean | null
  systemMatches: CompiledPattern | null
}

export type CompiledTarget =
  | { kind: 'keep' }
  | { kind: 'model'; model: string }
  | { kind: 'split'; choices: readonly { model: string; weight: number }[]; totalWeight: number }

export interface CompiledRule {
  name: string
  isShadow: boolean
  match: CompiledMatch
  target: CompiledTarget
  fallbacks: readonly string[]
  sticky: StickyKey | null
  cache: RuleCacheDirective | undefined
  promptCache: PromptCachePolicy
}

export interface VirtualModel {
  id: string
  displayName: string
  description?: string
}

/** Produced by compilePolicy (src/policy/compile.ts), consumed by decide. Deep-frozen. */
export interface CompiledPolicy {
  readonly ruleNames: readonly string[]
  /** Names that exist only in the gateway (e.g. `auto`), listed by GET /v1/models. */
  readonly virtualModels: readonly VirtualModel[]
  readonly rules: readonly CompiledRule[]
}
