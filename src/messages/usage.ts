// Pure. Streamed usage is running totals: start from message_start's usage and overwrite each
// field with every non-null field of each message_delta usage, never add (anthropic-api.md §5.4).

import type { Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

export function mergeUsage (base: Usage, update: unknown): Usage {
  if (!isRecord(update)) return base
  const merged: Usage = { ...base }
  for (const field in update) {
    const value = update[field]
    if (value === null || value === undefined) continue
    if (isRecord(value) && isRecord(merged[field])) {
      merged[field] = mergeUsage(merged[field] as Usage, value)
    } else {
      merged[field] = value
    }
  }
  return merged
}

/** A usage field as a count: missing and null mean 0 only at the point of pricing or counting. */
export function tokenCount (value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}

/**
 * The `usage` of a Messages JSON body when it is the body's last top-level member (as the API
 * writes it), without parsing the rest; null when that cannot be shown, and the caller parses the
 * whole body. Sound by construction: the text after the last `"usage":` key must parse, on its
 * own, as one object up to the body's final `}`, which a nested key (it would leave closing
 * brackets behind) or a non-final member (it would leave more members) can never do.
 *
 * @example trailingUsage('{"id":"m","usage":{"input_tokens":3,"output_tokens":1}}') // { input_tokens: 3, output_tokens: 1 }
 */
export function trailingUsage (json: string): Usage | null {
  const key = json.lastIndexOf('"usage":')
  const end = json.lastIndexOf('}')
  if (key === -1 || end < key || json.trimStart()[0] !== '{' || json.slice(end + 1).trim() !== '') return null
  try {
    const usage: unknown = JSON.parse(json.slice(key + 8, end))
    return isRecord(usage) ? usage as Usage : null
  } catch {
    return null
  }
}
