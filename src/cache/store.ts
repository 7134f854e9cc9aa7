// The one interface both cache stores implement. A store reports a failure by rejecting; the
// response cache (response-cache.ts) is where the gateway fails open, and where each failure is
// counted once, as what it was (`error`), never as a miss or a success.

export interface StoreAvailability {
  available: boolean
  /** Why it changed: the connection error, or what restored it. */
  reason: string
}

export interface CacheStore {
  readonly kind: 'memory' | 'redis'
  get (key: string): Promise<Buffer | null>
  /** False when the entry was not kept (it does not fit the store). */
  set (key: string, value: Buffer, ttlSeconds: number): Promise<boolean>
  /** Cross-instance stampede lock: true when this caller holds it. */
  acquireLock (key: string, ttlMs: number): Promise<boolean>
  releaseLock (key: string): Promise<void>
  /** Whether someone holds the lock now. */
  isLocked (key: string): Promise<boolean>
  /**
   * Marks `key` for `ttlMs` with the caller's `token`: true when this token holds the mark (it set
   * it now, or on an earlier try whose answer was lost), false when another token does.
   */
  markOnce (key: string, ttlMs: number, token: string): Promise<boolean>
  health (): 'ok' | 'degraded'
  /**
   * Calls `listener` with the current state when it is known, then once per change (down → up,
   * up → down), never per failed command or reconnection attempt. Stores that cannot fail (the
   * memory store) never call it.
   */
  watchAvailability? (listener: (state: StoreAvailability) => void): void
  close (): Promise<void>
}
