// Pure. Streamed usage is running totals: start from message_start's usage and overwrite each
// field with every non-null field of each message_delta usage, never add (anthropic-api.md §5.4).

import type { Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

export function mergeUsage (base: Usage, update: unknown): Usage {
  if (!isRecord(update)) return base
  const merged: Usage = { ...base }
  for (const [field, value] of Object.entries(update)) {
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
