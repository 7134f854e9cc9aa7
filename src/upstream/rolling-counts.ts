// Pure. Counts over a rolling time window, kept in a fixed ring of buckets so memory stays
// constant however busy the model is. The clock is passed in (tests drive it by hand).

const BUCKETS = 10

export class RollingCounts<K extends string> {
  private readonly starts = new Array<number>(BUCKETS).fill(Number.NEGATIVE_INFINITY)
  private readonly counts: Array<Record<K, number>>

  constructor (private readonly keys: readonly K[]) {
    this.counts = Array.from({ length: BUCKETS }, () => this.zero())
  }

  add (nowMs: number, windowMs: number, key: K, n = 1): void {
    const width = bucketWidth(windowMs)
    const start = Math.floor(nowMs / width) * width
    const slot = Math.floor(nowMs / width) % BUCKETS
    if (this.starts[slot] !== start) {
      this.starts[slot] = start
      this.counts[slot] = this.zero()
    }
    (this.counts[slot] as Record<K, number>)[key] += n
  }

  /** Sums over the buckets that overlap [now - window, now]. */
  sum (nowMs: number, windowMs: number): Record<K, number> {
    const width = bucketWidth(windowMs)
    const oldest = Math.floor(nowMs / width) * width - (BUCKETS - 1) * width
    const total = this.zero()
    for (let i = 0; i < BUCKETS; i++) {
      const start = this.starts[i] as number
      if (start < oldest || start > nowMs) continue
      const bucket = this.counts[i] as Record<K, number>
      for (const key of this.keys) total[key] += bucket[key]
    }
    return total
  }

  clear (): void {
    this.starts.fill(Number.NEGATIVE_INFINITY)
  }

  private zero (): Record<K, number> {
    const counts = {} as Record<K, number>
    for (const key of this.keys) counts[key] = 0
    return counts
  }
}

function bucketWidth (windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / BUCKETS))
}
