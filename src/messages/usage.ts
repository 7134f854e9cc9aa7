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

const USAGE_KEY = Buffer.from('"usage":')

/**
 * The `usage` of a Messages JSON body when it is the body's last top-level member (as the API
 * writes it), read off the bytes without decoding or parsing the rest; null when that cannot be
 * shown, and the caller parses the whole body. Sound by construction: the last `"usage":` must
 * start a member (after `{` or `,`: a quote inside a string is escaped, so it cannot), and the
 * bytes after it must parse, on their own, as one object up to the body's final `}`, which a
 * nested key (it would leave closing brackets behind) or a non-final member (it would leave more
 * members) can never do.
 *
 * @example trailingUsage(Buffer.from('{"id":"m","usage":{"input_tokens":3,"output_tokens":1}}')) // { input_tokens: 3, output_tokens: 1 }
 */
export function trailingUsage (body: Buffer): Usage | null {
  const key = body.lastIndexOf(USAGE_KEY)
  const end = body.lastIndexOf(0x7d)
  if (key === -1 || end < key || body[skipSpace(body, 0, 1)] !== 0x7b || skipSpace(body, end + 1, 1) !== body.length) return null
  const before = body[skipSpace(body, key - 1, -1)]
  if (before !== 0x7b && before !== 0x2c) return null
  try {
    const usage: unknown = JSON.parse(body.toString('utf8', key + USAGE_KEY.length, end))
    return isRecord(usage) ? usage as Usage : null
  } catch {
    return null
  }
}

/** The first index from `at` in direction `step` that is not JSON whitespace (or the edge). */
function skipSpace (body: Buffer, at: number, step: 1 | -1): number {
  let i = at
  while (i >= 0 && i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i += step
  return i
}
