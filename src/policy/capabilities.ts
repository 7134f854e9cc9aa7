// Pure. The capability guard: can this model serve this request as sent (after the max_tokens
// clamp)? A rewrite must never turn a valid request into a 400.

import type { CatalogModel } from '../catalog/types.js'
import type { RoutingInput, SkipReason } from './types.js'

export interface GuardRefusal {
  reason: SkipReason
  detail: string
}

/**
 * Returns why `model` cannot serve the request, or null when it can. Checks, in order: context
 * window (estimated input + clamped max_tokens), vision, `thinking.type` and budget, sampling
 * parameters, `inference_geo`, `speed`, prefill.
 *
 * @example checkCapabilities(input, catalog.resolve('claude-3-haiku')!) // { reason: 'vision', … } or null
 */
export function checkCapabilities (input: RoutingInput, model: CatalogModel): GuardRefusal | null {
  const caps = model.capabilities
  const maxTokens = Math.min(input.maxTokens, caps.maxOutputTokens)
  if (input.estimatedInputTokens + maxTokens > caps.contextWindow) {
    return refuse('context_window', `${model.id}: ~${input.estimatedInputTokens} input + ${maxTokens} max_tokens exceeds its ${caps.contextWindow}-token context window`)
  }
  if (input.hasImages && !caps.vision) return refuse('vision', `${model.id} has no vision, the request has images or PDFs`)
  if (input.thinkingType !== null && !caps.thinkingTypes.includes(input.thinkingType)) {
    return refuse('thinking', `${model.id} does not accept thinking.type "${input.thinkingType}"`)
  }
  if (input.thinkingType === 'enabled' && input.thinkingBudgetTokens !== null && input.maxTokens > maxTokens && input.thinkingBudgetTokens >= maxTokens) {
    return refuse('thinking', `${model.id}: thinking.budget_tokens ${input.thinkingBudgetTokens} must stay below max_tokens, which clamps to ${maxTokens}`)
  }
  if (caps.sampling === 'restricted') {
    const problem = restrictedSamplingProblem(input)
    if (problem !== null) return refuse('sampling_params', `${model.id} accepts only default sampling; the request sets ${problem}`)
  }
  if (input.inferenceGeo !== null && !caps.inferenceGeo) return refuse('inference_geo', `${model.id} does not accept inference_geo`)
  if (input.speed === 'fast' && !caps.fastMode) return refuse('speed', `${model.id} has no fast mode`)
  if (input.isPrefill && !caps.prefill) return refuse('prefill', `${model.id} rejects a final assistant turn (prefill)`)
  return null
}

/** After Opus 4.6: temperature only 1, top_p only ≥ 0.99, top_k not at all. */
function restrictedSamplingProblem (input: RoutingInput): string | null {
  if (input.temperature !== null && input.temperature !== 1) return `temperature ${input.temperature}`
  if (input.topP !== null && input.topP < 0.99) return `top_p ${input.topP}`
  if (input.topK !== null) return `top_k ${input.topK}`
  return null
}

function refuse (reason: SkipReason, detail: string): GuardRefusal {
  return { reason, detail }
}
