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
 * The default budget: an eighth of V8's heap limit, within [16 MiB, 1 GiB]. A body being handled
 * takes about five times its bytes on the heap at its peak (the text, the parsed objects, the body
 * re-serialised for the upstream: 4.9× measured on a 25 MB batch with the simulator in the same
 * process, so an upper estimate), so a full budget stays near 60% of the heap. A 4 GB heap gets
 * 512 MiB: two maximal (256 MiB) batches at once. The Kubernetes Deployment's
 * --max-old-space-size=384 (a 432 MiB heap limit) gets 54 MiB: a maximal Messages body, and no
 * batch that large.
 */
export function defaultBodyBudgetBytes (heapLimitBytes: number): number {
  return Math.min(1024 * 1024 * 1024, Math.max(16 * 1024 * 1024, Math.floor(heapLimitBytes / 8)))
}
