// Pure. Decides the target model for one request: lifecycle remap, then the rules top to bottom
// (first match wins; shadow rules are recorded and passed over; a rule whose target cannot serve
// the request is skipped with its reason). No I/O, no clock, no randomness: `random` and `today`
// come in as arguments.

import type { CatalogModel, ModelCatalog } from '../catalog/types.js'
import { compareMove } from '../prompt-cache/compare.js'
import { pricerFor } from '../prompt-cache/price.js'
import { checkCapabilities } from './capabilities.js'
import { isRetired, lifecycleRemap } from './lifecycle.js'
import { matchFailure, describeCondition } from './match.js'
import { stickyDraw, stickyKeyValue } from './sticky.js'
import type { CompiledPolicy, CompiledRule, Decision, DroppedFallback, PromptCacheDecision, RoutingInput, RuleTrace, SkippedRule } from './types.js'

export interface DecideOptions {
  /** Record every rule's outcome in `decision.trace` (explain); off on the request path. */
  trace?: boolean
}

/** What one pass over the rules saw; a virtual target starts another pass for that name. */
interface Pass {
  input: RoutingInput
  policy: CompiledPolicy
  catalog: ModelCatalog
  random: number
  today: string
  /** Names the rules' `model` globs are tested against. */
  names: readonly string[]
  /** The model a `keep` rule keeps. */
  current: string
  skipped: SkippedRule[]
  trace: RuleTrace[] | null
  shadow: Decision['shadow']
  promptCache: PromptCacheDecision | null
}

/** `kept`: the rule's move was protected against; the request stays on `target` (the current model). */
type Applied = { rule: CompiledRule; target: string; how: string; kept?: boolean }

/**
 * @example decide(toRoutingInput(body, headers), config.policy, config.catalog, Math.random(), '2026-03-01')
 */
export function decide (input: RoutingInput, policy: CompiledPolicy, catalog: ModelCatalog, random: number, today: string, options?: DecideOptions): Decision {
  const requested = input.requestedModel
  const remap = lifecycleRemap(requested, catalog, today)
  const current = remap?.to ?? requested
  const names = [requested]
  const canonical = catalog.resolve(requested)?.id
  if (canonical !== undefined && canonical !== requested) names.push(canonical)
  if (remap !== null) names.push(remap.to)
  const pass: Pass = { input, policy, catalog, random, today, names, current, skipped: [], trace: options?.trace === true ? [] : null, shadow: null, promptCache: null }
  const chain: string[] = []
  let applied = evaluate(pass)
  while (applied !== null && isVirtual(policy, applied.target)) {
    if (chain.includes(applied.target) || chain.length >= policy.virtualModels.length) {
      return unroutableDecision(pass, remap, `virtual models map to each other in a loop (${[...chain, applied.target].join(' → ')})`)
    }
    chain.push(applied.target)
    Object.assign(pass, { names: [applied.target], current: applied.target })
    applied = evaluate(pass)
  }
  const lifecycle = remap === null ? null : { from: remap.from, to: remap.to }
  if (applied === null) {
    if (isVirtual(policy, pass.current)) return unroutableDecision(pass, remap, `no rule maps the virtual model "${pass.current}" for this request`)
    const reason = remap === null
      ? `no rule matched; ${requested} unchanged`
      : `${requested} retired on ${remap.retiresAt}; remapped to ${remap.to}`
    return finish(pass, pinnedToSigner(pass, { requestedModel: requested, targetModel: current, rule: null, fallbacks: [], cache: undefined, reason, lifecycleRemap: lifecycle, droppedFallbacks: [], unroutable: null }))
  }
  const via = chain.length > 0 ? ` via ${chain.join(' → ')}` : ''
  const fallbacks = applied.kept === true ? { kept: [], dropped: [] } : usableFallbacks(pass, applied)
  return finish(pass, pinnedToSigner(pass, {
    requestedModel: requested,
    targetModel: applied.target,
    rule: applied.rule.name,
    fallbacks: fallbacks.kept,
    cache: applied.rule.cache,
    reason: `rule "${applied.rule.name}"${via}: ${applied.how}`,
    lifecycleRemap: lifecycle,
    droppedFallbacks: fallbacks.dropped,
    unroutable: null
  }))
}

type Draft = Omit<Decision, 'skipped' | 'shadow' | 'trace' | 'promptCache'>

/**
 * An active thinking tool turn can only be answered by the model that signed its thinking block
 * (anthropic-api.md §3.3): every other target was refused on the way (thinking_signature); when
 * none of the rules landed on the signer, the request goes to it anyway.
 */
function pinnedToSigner (pass: Pass, draft: Draft): Draft {
  const signer = signerOf(pass)
  if (signer === null || pass.catalog.resolve(draft.targetModel) === signer) return draft
  return { ...draft, targetModel: signer.id, fallbacks: [], droppedFallbacks: [], reason: `${draft.reason}; pinned to ${signer.id}, which signed the thinking block of the tool turn in progress` }
}

function signerOf (pass: Pass): CatalogModel | null {
  const signer = pass.input.promptCache?.thinkingSigner
  return signer === undefined || signer === null ? null : pass.catalog.resolve(signer) ?? null
}

/**
 * A rule moves the request off `pass.current`: weigh this turn's expected cost staying (warm
 * prefix read) against moving (prefix written at the target). Null when there is nothing to weigh.
 */
function weighPromptCache (pass: Pass, rule: CompiledRule, target: string): PromptCacheDecision | null {
  const view = pass.input.promptCache
  if (view === undefined || view === null) return null
  const current = pass.catalog.resolve(pass.current)
  const moved = pass.catalog.resolve(target)
  if (current === undefined || moved === undefined || current === moved) return null
  const signer = signerOf(pass)
  if (signer !== null && signer !== current) return null
  const sentAs = pass.catalog.resolve(pass.input.requestedModel)
  const comparison = compareMove({
    view,
    current,
    target: moved,
    currentGetsBodyAsSent: current === sentAs,
    targetGetsBodyAsSent: moved === sentAs,
    estimatedInputTokens: pass.input.estimatedInputTokens,
    maxTokens: pass.input.maxTokens,
    price: pricerFor({ isoDate: pass.today, batch: false, inferenceGeo: pass.input.inferenceGeo ?? undefined, speed: pass.input.speed ?? undefined })
  })
  if (comparison === null) return null
  const outcome = !comparison.losesMoney ? 'moved' : rule.promptCache === 'protect' ? 'protected' : 'ignored'
  return {
    rule: rule.name,
    outcome,
    reason: comparison.losesMoney ? 'prompt_cache_warm' : comparison.isDowngrade ? 'move_cheaper' : 'upgrade',
    warmModel: comparison.warmModel,
    targetModel: comparison.targetModel,
    stayPicoUsd: comparison.stayPicoUsd,
    movePicoUsd: comparison.movePicoUsd
  }
}

/** Pico-USD as dollars for a reason line. */
function usd (pico: number): string {
  return '$' + (pico / 1e12).toFixed(6)
}

/** One pass over the rules for `pass.names`; returns the first enforcing rule that applies. */
function evaluate (pass: Pass): Applied | null {
  const rules = pass.policy.rules
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule
    const failed = matchFailure(rule.match, pass.input, pass.names)
    if (failed !== null) {
      if (pass.trace !== null) pass.trace.push(traceOf(pass, rule, 'not_matched', describeCondition(rule.match, pass.input, pass.names, failed), undefined, failed))
      continue
    }
    const picked = pickTarget(pass, rule)
    if (picked.target === pass.current && isVirtual(pass.policy, picked.target)) {
      if (pass.trace !== null) pass.trace.push(traceOf(pass, rule, 'not_matched', `keeps "${picked.target}", which is virtual: a rule must map it to a model`, undefined, 'action'))
      continue
    }
    const refusal = refusalOf(pass, picked.target)
    if (refusal !== null) {
      pass.skipped.push({ rule: rule.name, reason: refusal.reason, detail: refusal.detail })
      if (pass.trace !== null) pass.trace.push(traceOf(pass, rule, 'skipped', `${refusal.reason}: ${refusal.detail}`, picked.target))
      continue
    }
    if (rule.isShadow) {
      pass.shadow ??= { rule: rule.name, targetModel: picked.target }
      if (pass.trace !== null) pass.trace.push(traceOf(pass, rule, 'shadow_matched', `would route to ${picked.target} (${picked.how}); shadow rules change nothing`, picked.target))
      continue
    }
    const weighed = weighPromptCache(pass, rule, picked.target)
    if (weighed !== null) pass.promptCache = weighed
    const kept = weighed?.outcome === 'protected'
    const how = weighed === null
      ? picked.how
      : kept
        ? `keeps ${pass.current} (prompt_cache_warm): this turn ${usd(weighed.stayPicoUsd)} on the warm cache vs ${usd(weighed.movePicoUsd)} moved to ${weighed.targetModel}`
        : `${picked.how} (prompt cache: ${usd(weighed.stayPicoUsd)} staying vs ${usd(weighed.movePicoUsd)} moving${weighed.outcome === 'ignored' ? '; prompt_cache: ignore' : ''})`
    if (pass.trace !== null) {
      pass.trace.push(traceOf(pass, rule, 'matched', how, kept ? pass.current : picked.target))
      for (const rest of rules.slice(i + 1)) pass.trace.push(traceOf(pass, rest, 'not_evaluated', 'an earlier rule matched first'))
    }
    return kept ? { rule, target: pass.current, how, kept } : { rule, target: picked.target, how }
  }
  return null
}

function pickTarget (pass: Pass, rule: CompiledRule): { target: string; how: string } {
  const target = rule.target
  if (target.kind === 'keep') return { target: pass.current, how: `keeps ${pass.current}` }
  if (target.kind === 'model') return { target: target.model, how: `${pass.current} → ${target.model}` }
  const key = rule.sticky === null ? null : stickyKeyValue(pass.input, rule.sticky)
  const draw = key === null ? pass.random : stickyDraw(key)
  let point = draw * target.totalWeight
  let chosen = target.choices[target.choices.length - 1]?.model ?? pass.current
  for (const choice of target.choices) {
    if (point < choice.weight) { chosen = choice.model; break }
    point -= choice.weight
  }
  const source = rule.sticky === null
    ? 'random draw'
    : key === null ? `sticky key ${stickyName(rule)} absent, random draw` : `sticky on ${stickyName(rule)}`
  return { target: chosen, how: `${pass.current} → ${chosen} (split, ${source} ${draw.toFixed(4)})` }
}

function stickyName (rule: CompiledRule): string {
  return rule.sticky?.kind === 'header' ? `header ${rule.sticky.name}` : 'metadata_user_id'
}

/** Why `model` may not serve this request: retired, unknown or refused by the capability guard. */
function refusalOf (pass: Pass, model: string): { reason: SkippedRule['reason']; detail: string } | null {
  if (isVirtual(pass.policy, model)) return null
  const signer = signerOf(pass)
  if (signer !== null && pass.catalog.resolve(model) !== signer) {
    return { reason: 'thinking_signature', detail: `the tool turn in progress carries a thinking block signed by ${signer.id}; ${model} would reject it` }
  }
  // The client's own model (or the lifecycle replacement of it) is never second-guessed.
  if (model === pass.current) return null
  const target = pass.catalog.resolve(model)
  if (target === undefined) return { reason: 'unknown_target', detail: `${model} is not in the model catalog` }
  if (target === pass.catalog.resolve(pass.current)) return null
  if (isRetired(target, pass.today)) return { reason: 'retired_target', detail: `${target.id} retired on ${target.retiresAt ?? '?'}` }
  return checkCapabilities(pass.input, target)
}

function usableFallbacks (pass: Pass, applied: Applied): { kept: string[]; dropped: DroppedFallback[] } {
  const kept: string[] = []
  const dropped: DroppedFallback[] = []
  for (const model of applied.rule.fallbacks) {
    if (model === applied.target || kept.includes(model)) continue
    const refusal = refusalOf(pass, model)
    if (refusal === null) kept.push(model)
    else dropped.push({ model, reason: refusal.reason, detail: refusal.detail })
  }
  return { kept, dropped }
}

function isVirtual (policy: CompiledPolicy, model: string): boolean {
  return policy.virtualModels.some((virtual) => virtual.id === model)
}

function unroutableDecision (pass: Pass, remap: ReturnType<typeof lifecycleRemap>, why: string): Decision {
  return finish(pass, {
    requestedModel: pass.input.requestedModel,
    targetModel: pass.current,
    rule: null,
    fallbacks: [],
    cache: undefined,
    reason: why,
    lifecycleRemap: remap === null ? null : { from: remap.from, to: remap.to },
    droppedFallbacks: [],
    unroutable: why
  })
}

function finish (pass: Pass, decision: Draft): Decision {
  const skippedNote = pass.skipped.length === 0 ? '' : `; skipped ${pass.skipped.map((s) => `"${s.rule}" (${s.reason})`).join(', ')}`
  const result: Decision = {
    requestedModel: decision.requestedModel,
    targetModel: decision.targetModel,
    rule: decision.rule,
    fallbacks: decision.fallbacks,
    cache: decision.cache,
    reason: decision.reason + skippedNote,
    lifecycleRemap: decision.lifecycleRemap,
    droppedFallbacks: decision.droppedFallbacks,
    unroutable: decision.unroutable,
    skipped: pass.skipped,
    shadow: pass.shadow,
    promptCache: pass.promptCache
  }
  if (pass.trace !== null) result.trace = pass.trace
  return result
}

function traceOf (pass: Pass, rule: CompiledRule, outcome: RuleTrace['outcome'], detail: string, targetModel?: string, condition?: string): RuleTrace {
  const entry: RuleTrace = { rule: rule.name, mode: rule.isShadow ? 'shadow' : 'enforce', evaluatedFor: pass.current, outcome, detail }
  if (condition !== undefined) entry.condition = condition
  if (targetModel !== undefined) entry.targetModel = targetModel
  return entry
}
