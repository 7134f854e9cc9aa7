// The in-memory store (used when REDIS_URL is unset): an LRU bounded by bytes, with TTLs. A Map
// keeps insertion order, so re-inserting on read makes the first key the least recently used.

import type { CacheStore } from './store.js'

/** Batch marks kept at most; expired ones are swept when the limit is reached. */
const MAX_MARKS = 100_000

interface Slot { value: Buffer; expiresAtMs: number }

export function createMemoryStore (options: { maxBytes: number; now?: () => number }): CacheStore & { bytes (): number } {
  const now = options.now ?? Date.now
  const slots = new Map<string, Slot>()
  const locks = new Map<string, number>()
  const marks = new Map<string, { token: string; untilMs: number }>()
  let bytes = 0

  const remove = (key: string): void => {
    const slot = slots.get(key)
    if (slot === undefined) return
    bytes -= slot.value.length + key.length
    slots.delete(key)
  }

  return {
    kind: 'memory',
    async get (key) {
      const slot = slots.get(key)
      if (slot === undefined) return null
      if (slot.expiresAtMs <= now()) { remove(key); return null }
      slots.delete(key)
      slots.set(key, slot)
      return slot.value
    },
    async set (key, value, ttlSeconds) {
      const size = value.length + key.length
      if (size > options.maxBytes) return false
      remove(key)
      while (bytes + size > options.maxBytes) {
        const oldest = slots.keys().next()
        if (oldest.done === true) break
        remove(oldest.value)
      }
      slots.set(key, { value, expiresAtMs: now() + ttlSeconds * 1000 })
      bytes += size
      return true
    },
    async acquireLock (key, ttlMs) {
      const held = locks.get(key)
      if (held !== undefined && held > now()) return false
      locks.set(key, now() + ttlMs)
      return true
    },
    async releaseLock (key) {
      locks.delete(key)
    },
    async isLocked (key) {
      const held = locks.get(key)
      return held !== undefined && held > now()
    },
    async markOnce (key, ttlMs, token) {
      const held = marks.get(key)
      if (held !== undefined && held.untilMs > now()) return held.token === token
      if (marks.size >= MAX_MARKS) for (const [k, mark] of marks) if (mark.untilMs <= now()) marks.delete(k)
      marks.set(key, { token, untilMs: now() + ttlMs })
      return true
    },
    health: () => 'ok',
    bytes: () => bytes,
    async close () {
      slots.clear()
      bytes = 0
    }
  }
}
