// A fixed-rate load generator with microsecond latencies (autocannon reports whole milliseconds,
// too coarse for a gateway that should add tenths of one). Sends `rate` requests per second for
// `seconds`, open-loop, and records time to first body byte and to the last byte of each.

import { Pool } from 'undici'

export interface PacedResult {
  sent: number
  errors: number
  p50Ms: number
  p99Ms: number
  ttfbP50Ms: number
  ttfbP99Ms: number
}

function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

export async function paced (url: string, body: string, headers: Record<string, string>, rate: number, seconds: number): Promise<PacedResult> {
  const pool = new Pool(url, { connections: 64, keepAliveTimeout: 10_000 })
  const total: number[] = []
  const ttfb: number[] = []
  let errors = 0
  const inflight: Array<Promise<void>> = []
  const count = Math.floor(rate * seconds)
  const interval = 1000 / rate
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    const due = start + i * interval
    const wait = due - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    inflight.push((async () => {
      const t0 = process.hrtime.bigint()
      try {
        const res = await pool.request({ path: '/v1/messages', method: 'POST', headers, body })
        let first = 0n
        for await (const chunk of res.body) {
          if (first === 0n) first = process.hrtime.bigint()
          void chunk
        }
        const end = process.hrtime.bigint()
        if (res.statusCode !== 200) errors++
        total.push(Number(end - t0) / 1e6)
        ttfb.push(Number((first === 0n ? end : first) - t0) / 1e6)
      } catch {
        errors++
      }
    })())
  }
  await Promise.all(inflight)
  await pool.close()
  total.sort((a, b) => a - b)
  ttfb.sort((a, b) => a - b)
  return { sent: count, errors, p50Ms: percentile(total, 0.5), p99Ms: percentile(total, 0.99), ttfbP50Ms: percentile(ttfb, 0.5), ttfbP99Ms: percentile(ttfb, 0.99) }
}
