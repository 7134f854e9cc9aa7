// Turns a parsed Messages body into what will be sent: the policy decision and the ordered
// candidate bodies (target, then fallbacks), each adapted to its model only when it is needed.

import type { RuntimeConfig } from '../config/types.js'
import { GatewayError } from '../errors.js'
import type { Decision } from '../policy/types.js'
import { toRoutingInput } from '../policy/input.js'
import { decide } from '../policy/decide.js'
import { applyDecision } from '../policy/apply.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { replaceModel } from '../messages/replace-model.js'
import type { Candidate } from '../upstream/forward.js'
import type { HeaderMap } from '../upstream/headers.js'

export interface RoutePlan {
  decision: Decision
  /** The body for the first candidate (the original object when nothing changed). */
  outgoing: MessagesRequest
  candidates: Candidate[]
}

export function planRoute (body: MessagesRequest, rawText: string, headers: HeaderMap, config: RuntimeConfig, random: number, today: string): RoutePlan {
  const input = toRoutingInput(body, headers)
  const decision = decide(input, config.policy, config.catalog, random, today)
  if (decision.unroutable !== null) throw new GatewayError('SWY_ERR_MODEL_UNAVAILABLE', decision.unroutable)
  const outgoing = applyDecision(body, decision.targetModel, config.catalog)
  const candidates: Candidate[] = [{ model: decision.targetModel, body: serialised(outgoing, body, rawText) }]
  for (const model of decision.fallbacks) {
    candidates.push({ model, body: () => serialised(applyDecision(body, model, config.catalog), body, rawText)() })
  }
  return { decision, outgoing, candidates }
}

/**
 * Forwards the client's own bytes when the body is unchanged, splices the new model into them when
 * only the model changed, and serialises once otherwise.
 */
function serialised (outgoing: MessagesRequest, original: MessagesRequest, rawText: string): () => string {
  if (outgoing === original) return () => rawText
  let text: string | null = null
  return () => (text ??= (onlyModelDiffers(outgoing, original) ? replaceModel(rawText, original.model, outgoing.model) : null) ?? JSON.stringify(outgoing))
}

function onlyModelDiffers (outgoing: MessagesRequest, original: MessagesRequest): boolean {
  let keys = 0
  for (const key in outgoing) {
    keys++
    if (key !== 'model' && outgoing[key] !== original[key]) return false
  }
  return keys === Object.keys(original).length
}
