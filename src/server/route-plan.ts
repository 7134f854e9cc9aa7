// Turns a parsed Messages body into what will be sent: the policy decision and the ordered
// candidate bodies (target, then fallbacks), each adapted to its model only when it is needed.

import type { RuntimeConfig } from '../config/types.js'
import { GatewayError } from '../errors.js'
import type { Decision, RoutingInput } from '../policy/types.js'
import { toRoutingInput } from '../policy/input.js'
import { decide } from '../policy/decide.js'
import { applyDecision } from '../policy/apply.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { replaceModel } from '../messages/replace-model.js'
import type { Candidate } from '../upstream/forward.js'
import type { HeaderMap } from '../upstream/headers.js'
import type { PromptCacheView } from '../prompt-cache/state.js'

export interface RoutePlan {
  decision: Decision
  /** The body for the first candidate (the original object when nothing changed). */
  outgoing: MessagesRequest
  candidates: Candidate[]
  /** What the rules saw (the estimate, the capabilities asked for); the limits read it too. */
  input: RoutingInput
}

export function planRoute (body: MessagesRequest, rawText: string, headers: HeaderMap, config: RuntimeConfig, random: number, today: string, promptCache: PromptCacheView | null = null): RoutePlan {
  const input = toRoutingInput(body, headers)
  input.promptCache = promptCache
  const decision = decide(input, config.policy, config.catalog, random, today)
  if (decision.unroutable !== null) throw new GatewayError('TL_ERR_MODEL_UNAVAILABLE', decision.unroutable)
  const outgoing = applyDecision(body, decision.targetModel, config.catalog)
  const candidates: Candidate[] = [new PlannedBody(decision.targetModel, outgoing, body, rawText, config)]
  for (const model of decision.fallbacks) candidates.push(new PlannedBody(model, null, body, rawText, config))
  return { decision, outgoing, candidates, input }
}

/**
 * The plan sent to `model` instead (a budget downgrade): no fallbacks (they may cost more), the
 * body adapted to the model like any rewrite (max_tokens clamp, earlier thinking blocks dropped).
 * The capability guard has already accepted `model` for this request.
 */
export function replanTo (plan: RoutePlan, body: MessagesRequest, rawText: string, config: RuntimeConfig, model: string, why: string): RoutePlan {
  const outgoing = applyDecision(body, model, config.catalog)
  const decision: Decision = { ...plan.decision, targetModel: model, fallbacks: [], droppedFallbacks: [], reason: `${plan.decision.reason}; ${why}` }
  return { decision, outgoing, candidates: [new PlannedBody(model, outgoing, body, rawText, config)], input: plan.input }
}

/**
 * A candidate's body, serialised when first asked for (fallbacks usually never are): the client's
 * own bytes when the body is unchanged, the new model spliced into them when only the model
 * changed, one JSON.stringify otherwise. A class rather than closures: it is made per request.
 */
class PlannedBody implements Candidate {
  #text: string | null = null

  constructor (
    readonly model: string,
    /** Null for a fallback: adapted to its model only when it is tried. */
    private outgoing: MessagesRequest | null,
    private readonly original: MessagesRequest,
    private readonly rawText: string,
    private readonly config: RuntimeConfig
  ) {}

  body (): string {
    if (this.#text !== null) return this.#text
    const outgoing = this.outgoing ??= applyDecision(this.original, this.model, this.config.catalog)
    if (outgoing === this.original) return this.rawText
    this.#text = (onlyModelDiffers(outgoing, this.original) ? replaceModel(this.rawText, this.original.model, outgoing.model) : null) ?? JSON.stringify(outgoing)
    return this.#text
  }
}

function onlyModelDiffers (outgoing: MessagesRequest, original: MessagesRequest): boolean {
  let keys = 0
  for (const key in outgoing) {
    keys++
    if (key !== 'model' && outgoing[key] !== original[key]) return false
  }
  return keys === Object.keys(original).length
}
