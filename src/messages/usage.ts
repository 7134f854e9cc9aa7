// Pure. Streamed usage is running totals: start from message_start's usage and overwrite each
// field with every non-null field of each message_delta usage, never add.

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
 * The `usage` member that ends a JSON object, read off the end of the text without decoding or
 * parsing the rest; null when that cannot be shown, and the caller parses the whole. `closers` is
 * how many objects the member ends: 1 for a Messages body or a message_delta event (usage is their
 * last member), 2 for message_start (the last member of its `message`, the event's last member).
 * Sound by construction: the last `"usage":` must start a member (after `{` or `,`: a quote inside
 * a string is escaped, so it cannot), and the text after it must parse, on its own, as one object
 * followed by exactly `closers` closing braces, which a key nested deeper (it would leave more
 * brackets behind) or a non-final member (it would leave more members) can never do.
 *
 * @example trailingUsage(Buffer.from('{"id":"m","usage":{"input_tokens":3,"output_tokens":1}}')) // { input_tokens: 3, output_tokens: 1 }
 */
export function trailingUsage (json: string | Buffer, closers = 1): Usage | null {
  const key = json.lastIndexOf('"usage":')
  if (key === -1 || codeAt(json, skipSpace(json, 0, 1)) !== OPEN) return null
  const before = codeAt(json, skipSpace(json, key - 1, -1))
  if (before !== OPEN && before !== COMMA) return null
  // Walk back over the closing braces: only whitespace may lie between and after them.
  let valueEnd = json.length
  for (let i = 0; i < closers; i++) {
    valueEnd = skipSpace(json, valueEnd - 1, -1)
    if (codeAt(json, valueEnd) !== CLOSE) return null
  }
  if (valueEnd <= key) return null
  try {
    const start = key + 8
    const usage: unknown = JSON.parse(typeof json === 'string' ? json.slice(start, valueEnd) : json.toString('utf8', start, valueEnd))
    return isRecord(usage) ? usage as Usage : null
  } catch {
    return null
  }
}

const OPEN = 0x7b
const CLOSE = 0x7d
const COMMA = 0x2c

/** Char codes and bytes agree on JSON's structural characters, which are ASCII. */
function codeAt (json: string | Buffer, at: number): number {
  return typeof json === 'string' ? json.charCodeAt(at) : (json[at] ?? Number.NaN)
}

/** The first index from `at` in direction `step` that is not JSON whitespace (or the edge). */
function skipSpace (json: string | Buffer, at: number, step: 1 | -1): number {
  let i = at
  for (;;) {
    const code = codeAt(json, i)
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return i
    i += step
  }
}
