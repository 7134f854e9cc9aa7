// The response cache the Messages route talks to: timed, fail-open lookups and stores over a
// CacheStore, plus stampede protection. N identical concurrent misses make one upstream call:
// in-process followers await the leader's promise; other instances see the store lock and poll
// the store for the leader's entry (JSON or a whole stream, replayed in the form each asked for),
// each for at most `lockWaitMs`, then go upstream themselves. A leader releases its lock only
// once its entry has landed, so a poller that sees the lock gone and still no entry knows the
// leader failed (an error answer, a client gone) and goes upstream at once instead of waiting.

import { randomUUID } from 'node:crypto'
import type { CacheConfig } from '../config/types.js'
import type { CacheEntry } from './entry.js'
import { decodeEntry, encodeEntry } from './entry.js'
import type { CacheStore, StoreAvailability } from './store.js'

export type CacheOperation = 'get' | 'set' | 'lock'
/**
 * get: hit | miss; set: stored | skipped (too large to keep); lock: acquired | contended (another
 * instance leads). Any operation: error (the store failed) | timeout. A failure is never counted
 * as a miss or a success.
 */
export type OperationResult = 'hit' | 'miss' | 'stored' | 'skipped' | 'acquired' | 'contended' | 'error' | 'timeout'

export interface CacheHooks {
  onOperation?: (operation: CacheOperation, result: OperationResult, seconds: number) => void
}

export type Claim =
  | { role: 'leader'; settle: (entry: CacheEntry | null) => void }
  | { role: 'follower'; entry: CacheEntry | null }

export interface ResponseCache {
  readonly kind: 'memory' | 'redis'
  lookup (key: string): Promise<CacheEntry | null>
  /** Fire and forget: never awaited on the client's path, never throws. */
  store (key: string, entry: CacheEntry, ttlSeconds: number): void
  claim (key: string): Promise<Claim>
  /**
   * True the first time `key` is marked within `ttlSeconds`, across every instance sharing the
   * store. Fails open (true) when the store cannot answer: a mark is for not counting twice, and
   * counting twice is the lesser fault than not counting at all.
   */
  markOnce (key: string, ttlSeconds: number): Promise<boolean>
  health (): 'ok' | 'degraded'
  /** The store's connection going down and coming back, once per change (for the logs). */
  watchAvailability (listener: (state: StoreAvailability) => void): void
  close (): Promise<void>
}

const TIMED_OUT = Symbol('timed out')
const POLL_MS = 20
const MARK_TIMEOUT_MS = 2000
const MARK_ATTEMPTS = 5
const MARK_RETRY_MS = 100

function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Entries are never changed after decoding, so one decoded entry can serve every hit on the same bytes. */
function decodeRemembered (decoded: WeakMap<Buffer, CacheEntry | null>): (value: Buffer) => CacheEntry | null {
  return (value) => {
    let entry = decoded.get(value)
    if (entry === undefined) {
      entry = decodeEntry(value)
      decoded.set(value, entry)
    }
    return entry
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function createResponseCache (store: CacheStore, config: () => CacheConfig, hooks: CacheHooks = {}): ResponseCache {
  // The memory store answers from this process and cannot hang: no timer (nor extra await) per
  // operation for it.
  const timed = store.kind === 'memory'
    ? <T>(promise: Promise<T>, _ms: number): Promise<T | typeof TIMED_OUT> => promise
    : withTimeout
  // The memory store hands back the very Buffer it was given, so its entries are decoded once, not
  // per hit (decoding was ~3% of a memory hit's CPU); Redis returns new bytes every time.
  const decode = store.kind === 'memory' ? decodeRemembered(new WeakMap()) : decodeEntry
  const flights = new Map<string, Promise<CacheEntry | null>>()
  // Entries whose store write has not landed yet: a request arriving meanwhile still hits, and
  // the leader's lock is released once `landed` settles.
  const writing = new Map<string, { entry: CacheEntry; landed: Promise<void> }>()
  let timedOutAtMs = 0
  const report = (operation: CacheOperation, result: OperationResult, startedAt: number): void => {
    if (result === 'timeout') timedOutAtMs = Date.now()
    hooks.onOperation?.(operation, result, (performance.now() - startedAt) / 1000)
  }

  async function lookup (key: string): Promise<CacheEntry | null> {
    const startedAt = performance.now()
    const pending = writing.get(key)
    if (pending !== undefined) { report('get', 'hit', startedAt); return pending.entry }
    let value: Buffer | null | typeof TIMED_OUT
    try {
      value = await timed(store.get(key), config().operationTimeoutMs)
    } catch {
      report('get', 'error', startedAt)
      return null
    }
    if (value === TIMED_OUT) { report('get', 'timeout', startedAt); return null }
    const entry = value === null ? null : decode(value)
    report('get', entry === null ? 'miss' : 'hit', startedAt)
    return entry
  }

  /** Whether the lock is held; true when the store cannot tell (keep waiting: lock_wait still bounds it). */
  async function isLocked (key: string): Promise<boolean> {
    const startedAt = performance.now()
    try {
      const locked = await timed(store.isLocked(key), config().operationTimeoutMs)
      if (locked !== TIMED_OUT) return locked
      report('lock', 'timeout', startedAt)
    } catch {
      report('lock', 'error', startedAt)
    }
    return true
  }

  /** Lock releases are fire and forget; a failed one is counted, and the lock expires on its own. */
  function release (key: string): void {
    const startedAt = performance.now()
    store.releaseLock(key).catch(() => { report('lock', 'error', startedAt) })
  }

  async function pollForEntry (key: string, deadline: number): Promise<CacheEntry | null> {
    while (Date.now() < deadline) {
      await sleep(POLL_MS)
      const [entry, locked] = await Promise.all([lookup(key), isLocked(key)])
      if (entry !== null) return entry
      // The lock went with no entry seen: one more look (on a Cluster the entry and the lock live
      // on different nodes, so the two answers may cross), then stop waiting for a leader that failed.
      if (locked === false) return await lookup(key)
    }
    return null
  }

  return {
    get kind () { return store.kind },
    lookup,
    store (key, entry, ttlSeconds) {
      const startedAt = performance.now()
      const { maxEntryBytes, compressOverBytes, operationTimeoutMs } = config()
      const value = encodeEntry(entry, compressOverBytes)
      if (value.length > maxEntryBytes) { report('set', 'skipped', startedAt); return }
      const write = { entry, landed: Promise.resolve() }
      write.landed = timed(store.set(key, value, ttlSeconds), operationTimeoutMs)
        .then((result) => report('set', result === TIMED_OUT ? 'timeout' : result ? 'stored' : 'skipped', startedAt))
        .catch(() => report('set', 'error', startedAt))
        .finally(() => { if (writing.get(key) === write) writing.delete(key) })
      writing.set(key, write)
    },
    async claim (key) {
      const { lockWaitMs } = config()
      const pending = flights.get(key)
      if (pending !== undefined) {
        const entry = await withTimeout(pending, lockWaitMs)
        return { role: 'follower', entry: entry === TIMED_OUT ? null : entry }
      }
      let settle!: (entry: CacheEntry | null) => void
      const flight = new Promise<CacheEntry | null>((resolve) => { settle = resolve })
      flights.set(key, flight)
      const done = (entry: CacheEntry | null): void => {
        if (flights.get(key) === flight) flights.delete(key)
        settle(entry)
      }
      const startedAt = performance.now()
      let locked: boolean | typeof TIMED_OUT | 'failed'
      try {
        locked = await timed(store.acquireLock(key, lockWaitMs), config().operationTimeoutMs)
      } catch {
        locked = 'failed'
      }
      report('lock', locked === TIMED_OUT ? 'timeout' : locked === 'failed' ? 'error' : locked ? 'acquired' : 'contended', startedAt)
      if (locked === true) {
        // The previous leader may have stored its entry and released the lock between this
        // caller's miss and its lock: look once more rather than call upstream a second time.
        const landed = await lookup(key)
        if (landed !== null) {
          done(landed)
          release(key)
          return { role: 'follower', entry: landed }
        }
      }
      // Without a working lock (timed out, failed), lead: go upstream as if there were no cache.
      if (locked !== false) {
        return {
          role: 'leader',
          settle: (entry) => {
            done(entry)
            if (locked !== true) return
            const landing = writing.get(key)?.landed ?? Promise.resolve()
            void landing.then(() => { release(key) })
          }
        }
      }
      // Another instance leads: wait for its entry, and share it with this process's followers.
      const entry = await pollForEntry(key, Date.now() + lockWaitMs)
      done(entry)
      return { role: 'follower', entry }
    },
    async markOnce (key, ttlSeconds) {
      // Nobody waits on a mark (it follows a finished download), so a store that does not answer
      // is asked again; the caller's token tells a lost reply to our own SET from someone else's.
      const token = randomUUID()
      for (let attempt = 0; attempt < MARK_ATTEMPTS; attempt++) {
        const startedAt = performance.now()
        let marked: boolean | typeof TIMED_OUT | 'failed'
        try {
          marked = await timed(store.markOnce(key, ttlSeconds * 1000, token), MARK_TIMEOUT_MS)
        } catch {
          marked = 'failed'
        }
        if (marked === true || marked === false) return marked
        report('lock', marked === TIMED_OUT ? 'timeout' : 'error', startedAt)
        await sleep(MARK_RETRY_MS * (attempt + 1))
      }
      // Still no answer: count it (possibly twice) rather than drop it.
      return true
    },
    watchAvailability (listener) {
      store.watchAvailability?.(listener)
    },
    health () {
      return store.health() === 'degraded' || Date.now() - timedOutAtMs < 5000 ? 'degraded' : 'ok'
    },
    close: () => store.close()
  }
}
