// Pure. Maps a sticky key (a user id, a conversation header) to a stable draw in [0, 1), so one key
// always lands on the same side of a split: Anthropic's prompt cache is per model, and thinking
// blocks belong to the model that wrote them. Stable across processes
// and versions: changing this function reshuffles every sticky assignment.

import type { RoutingInput, StickyKey } from './types.js'

/**
 * FNV-1a over the UTF-16 code units, then MurmurHash3's finaliser so nearby keys spread evenly.
 *
 * @example stickyDraw('user-42') // always the same number in [0, 1)
 */
export function stickyDraw (key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return (hash >>> 0) / 0x1_0000_0000
}

/** The request's value for a rule's sticky key; null when the request does not carry it. */
export function stickyKeyValue (input: RoutingInput, sticky: StickyKey): string | null {
  if (sticky.kind === 'metadata_user_id') return input.metadataUserId === '' ? null : input.metadataUserId
  const value = input.headers[sticky.name]
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined || first === '' ? null : first
}
