// Pure. Tests a rule's `match` conditions against a request. The hot path only learns which
// condition failed (a constant string); the words for explain are built on request.

import type { CompiledMatch, CompiledPattern, RoutingInput } from './types.js'

/** Condition names as written in the policy file. */
export type Condition =
  | 'model' | 'header' | 'metadata_user_id' | 'max_input_tokens' | 'min_input_tokens'
  | 'has_tools' | 'has_images' | 'thinking' | 'system_matches'

/**
 * The first condition that does not hold, or null when the rule matches. `names` are the model
 * names the `model` globs are tested against (as sent, canonical id, lifecycle replacement).
 *
 * @example matchFailure(rule.match, input, ['claude-sonnet-4-5']) // null, or e.g. 'has_tools'
 */
export function matchFailure (match: CompiledMatch, input: RoutingInput, names: readonly string[]): Condition | null {
  if (match.model !== null && !anyNameMatches(match.model, names)) return 'model'
  for (const header of match.headers) {
    if (!headerMatches(header.pattern, input.headers[header.name])) return 'header'
  }
  if (match.metadataUserId !== null && (input.metadataUserId === null || !match.metadataUserId.regex.test(input.metadataUserId))) return 'metadata_user_id'
  if (match.maxInputTokens !== null && input.estimatedInputTokens > match.maxInputTokens) return 'max_input_tokens'
  if (match.minInputTokens !== null && input.estimatedInputTokens < match.minInputTokens) return 'min_input_tokens'
  if (match.hasTools !== null && input.hasTools !== match.hasTools) return 'has_tools'
  if (match.hasImages !== null && input.hasImages !== match.hasImages) return 'has_images'
  if (match.thinking !== null && input.isThinkingRequested !== match.thinking) return 'thinking'
  if (match.systemMatches !== null && !match.systemMatches.regex.test(input.systemText)) return 'system_matches'
  return null
}

function anyNameMatches (pattern: CompiledPattern, names: readonly string[]): boolean {
  for (const name of names) if (pattern.regex.test(name)) return true
  return false
}

function headerMatches (pattern: CompiledPattern, value: string | string[] | undefined): boolean {
  if (value === undefined) return false
  if (typeof value === 'string') return pattern.regex.test(value)
  return value.some((one) => pattern.regex.test(one))
}

/** Why `condition` failed, in words, for explain. Not used on the request path. */
export function describeCondition (match: CompiledMatch, input: RoutingInput, names: readonly string[], condition: Condition): string {
  switch (condition) {
    case 'model':
      return `model ${names.map((n) => `"${n}"`).join(' / ')} does not match ${match.model?.source ?? ''}`
    case 'header': {
      const header = match.headers.find((h) => !headerMatches(h.pattern, input.headers[h.name]))
      if (header === undefined) return 'header condition failed'
      const value = input.headers[header.name]
      return value === undefined
        ? `header ${header.name} is absent (wanted ${header.pattern.source})`
        : `header ${header.name}: ${JSON.stringify(value)} does not match ${header.pattern.source}`
    }
    case 'metadata_user_id':
      return input.metadataUserId === null
        ? `metadata.user_id is absent (wanted ${match.metadataUserId?.source ?? ''})`
        : `metadata.user_id ${JSON.stringify(input.metadataUserId)} does not match ${match.metadataUserId?.source ?? ''}`
    case 'max_input_tokens':
      return `estimated input ~${input.estimatedInputTokens} tokens > max_input_tokens ${match.maxInputTokens ?? ''}`
    case 'min_input_tokens':
      return `estimated input ~${input.estimatedInputTokens} tokens < min_input_tokens ${match.minInputTokens ?? ''}`
    case 'has_tools':
      return `has_tools is ${String(input.hasTools)}, the rule wants ${String(match.hasTools)}`
    case 'has_images':
      return `has_images is ${String(input.hasImages)}, the rule wants ${String(match.hasImages)}`
    case 'thinking':
      return `thinking requested is ${String(input.isThinkingRequested)}, the rule wants ${String(match.thinking)}`
    case 'system_matches':
      return `system prompt (${input.systemText.length} chars) does not match /${match.systemMatches?.source ?? ''}/`
  }
}
