// Pure. The one limit on request bytes held in memory at once, across every request: each route
// has its own size limit (32 MiB for Messages, 256 MiB for batches), but many bodies at once, each
// within its limit, could still exhaust the heap (six 250 MB batches did). A body is admitted only
// while the budget has room for it, and holds its share until its response is over.

export class BodyBudget {
  #used = 0

  constructor (readonly capacity: number) {}

  get used (): number { return this.#used }

  /** Reserves `bytes`; false (and nothing reserved) when they do not fit now. */
  tryTake (bytes: number): boolean {
    if (this.#used + bytes > this.capacity) return false
    this.#used += bytes
    return true
  }

  release (bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes)
  }
}

/**
 * The default budget: a sixth of V8's heap limit (a parsed JSON body takes several times its
 * bytes: the text, the objects, the re-serialised body sent upstream), within [64 MiB, 1 GiB].
 * A 4 GB heap gets 682 MiB: two maximal batches at once, or thousands of ordinary requests.
 */
export function defaultBodyBudgetBytes (heapLimitBytes: number): number {
  return Math.min(1024 * 1024 * 1024, Math.max(64 * 1024 * 1024, Math.floor(heapLimitBytes / 6)))
}
