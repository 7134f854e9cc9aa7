// The one interface both cache stores implement. Every method fails open: it resolves (null,
// false, nothing) instead of throwing, so a sick store can never fail a request.

export interface CacheStore {
  readonly kind: 'memory' | 'redis'
  get (key: string): Promise<Buffer | null>
  set (key: string, value: Buffer, ttlSeconds: number): Promise<boolean>
  /** Cross-instance stampede lock: true when this caller holds it. */
  acquireLock (key: string, ttlMs: number): Promise<boolean>
  releaseLock (key: string): Promise<void>
  /** Whether someone holds the lock now; true when the store cannot tell (the waiter keeps waiting, up to lock_wait). */
  isLocked (key: string): Promise<boolean>
  /**
   * Marks `key` for `ttlMs` with the caller's `token`: true when this token holds the mark (it set
   * it now, or on an earlier try whose answer was lost), false when another token does, null when
   * the store could not answer.
   */
  markOnce (key: string, ttlMs: number, token: string): Promise<boolean | null>
  health (): 'ok' | 'degraded'
  close (): Promise<void>
}
