// Edge. Keeps the prompt-cache state (state.ts) in the cache store, Redis or memory. Fail-open and
// bounded in time: a lookup that does not answer within the store timeout counts as "nothing
// known" (the policy then protects nothing), and learning happens after the answer has left, fire
// and forget. Values are a few model ids and numbers, never prompt text; each expires with the
// last of its entries, and the memory store is bounded in bytes.

import type { CacheStore } from '../cache/store.js'
import type { WarmEntry } from './state.js'
import { decodeRecord, encodeRecord, mergeEntry } from './state.js'

export const STATE_KEY_PREFIX = 'thriftline:v1:prompt-cache:'
/** Default byte bound of the in-memory state store: about 40,000 prefixes. */
export const STATE_MEMORY_MAX_BYTES = 8 * 1024 * 1024
/** "Who answered" is remembered this long past the answer (state.ts). */
const SERVED_MEMORY_MS = 60 * 60_000

export type StateOperationResult = 'ok' | 'timeout' | 'error'

export interface PromptCacheStateStore {
  /** The record under each key, in order; null for unknown keys, and for all of them when the store is slow or sick. */
  lookup (keys: readonly string[]): Promise<(WarmEntry[] | null)[]>
  /** Merges each entry into its key's record. Never awaited on a client's path, never throws. */
  learn (entries: ReadonlyMap<string, WarmEntry>, nowMs: number): void
}

export interface StateStoreOptions {
  timeoutMs: () => number
  onOperation?: (operation: 'lookup' | 'learn', result: StateOperationResult) => void
}

const TIMED_OUT = Symbol('timed out')

function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Seconds the record must live: until its last entry stops mattering. */
function ttlSecondsOf (record: readonly WarmEntry[], nowMs: number): number {
  let until = nowMs
  for (const entry of record) until = Math.max(until, entry.expiresAtMs, entry.servedAtMs + SERVED_MEMORY_MS)
  return Math.max(1, Math.ceil((until - nowMs) / 1000))
}

export function createPromptCacheStateStore (store: CacheStore, options: StateStoreOptions): PromptCacheStateStore {
  const report = options.onOperation ?? (() => {})
  // Pipelined by ioredis (auto-pipelining): one round trip for all keys.
  const getAll = (keys: readonly string[]): Promise<(Buffer | null)[]> => Promise.all(keys.map((key) => store.get(STATE_KEY_PREFIX + key)))

  async function learnOne (key: string, entry: WarmEntry, nowMs: number): Promise<StateOperationResult> {
    const old = await withTimeout(store.get(STATE_KEY_PREFIX + key), options.timeoutMs())
    if (old === TIMED_OUT) return 'timeout'
    const record = mergeEntry(decodeRecord(old), entry, nowMs)
    const stored = await withTimeout(store.set(STATE_KEY_PREFIX + key, encodeRecord(record), ttlSecondsOf(record, nowMs)), options.timeoutMs())
    return stored === TIMED_OUT ? 'timeout' : stored ? 'ok' : 'error'
  }

  return {
    async lookup (keys) {
      if (keys.length === 0) return []
      try {
        const values = await withTimeout(getAll(keys), options.timeoutMs())
        if (values === TIMED_OUT) {
          report('lookup', 'timeout')
          return keys.map(() => null)
        }
        report('lookup', 'ok')
        return values.map(decodeRecord)
      } catch {
        report('lookup', 'error')
        return keys.map(() => null)
      }
    },
    learn (entries, nowMs) {
      for (const [key, entry] of entries) {
        learnOne(key, entry, nowMs).then(
          (result) => report('learn', result),
          () => report('learn', 'error')
        )
      }
    }
  }
}
