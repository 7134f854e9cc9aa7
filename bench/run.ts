// `npm run bench`: Thriftline's overhead and throughput as ratios against the physical floor
// (load generator straight to the simulator), a bare Fastify + undici proxy, a JSON proxy (the
// bare one plus parse, rewrite, re-serialise) and the Fastify + @fastify/http-proxy reference (Fastify +
// @fastify/http-proxy, the proxy the targets were set against), measured in one run, alternating A B A B so drift
// hits every peer alike. Every load loop is bounded in time.
// Env: BENCH_SECONDS (per measurement, default 5); BENCH_ROUNDS (default 3, so the median is a
// real run); BENCH_ONLY (comma-separated words: runs only the peers whose name contains one, plus
// their direct, bare and JSON baselines, skips the leak check and leaves bench/results alone).

import autocannon from 'autocannon'
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { cpus } from 'node:os'
import { startPeer, stopPeer, cpuMicros, peakRssBytes, pinSelf, rssBytes } from './peer.js'
import type { Peer } from './peer.js'
import { writePolicies } from './policies.js'
import { markdownTable } from './report.js'
import { paced } from './paced.js'
import { HEADERS, bodyOf, median } from './workload.js'
import type { PeerResult } from './report.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const RATE = 500

const MESSAGE = bodyOf(false)
const STREAM_MESSAGE = bodyOf(true)

interface Target { name: string; peer: string; body: string; stream: boolean }

const ALL_TARGETS: Target[] = [
  { name: 'direct', peer: 'direct', body: MESSAGE, stream: false },
  { name: 'bare proxy', peer: 'bare', body: MESSAGE, stream: false },
  { name: 'json proxy', peer: 'json', body: MESSAGE, stream: false },
  { name: 'fastify proxy', peer: 'fastify', body: MESSAGE, stream: false },
  { name: 'thriftline (miss)', peer: 'thriftline-miss', body: MESSAGE, stream: false },
  { name: 'thriftline hit (memory)', peer: 'thriftline-hit-memory', body: MESSAGE, stream: false },
  { name: 'thriftline hit (redis)', peer: 'thriftline-hit-redis', body: MESSAGE, stream: false },
  { name: 'direct (stream)', peer: 'direct', body: STREAM_MESSAGE, stream: true },
  { name: 'bare proxy (stream)', peer: 'bare', body: STREAM_MESSAGE, stream: true },
  { name: 'json proxy (stream)', peer: 'json', body: STREAM_MESSAGE, stream: true },
  { name: 'fastify proxy (stream)', peer: 'fastify', body: STREAM_MESSAGE, stream: true },
  { name: 'thriftline (stream)', peer: 'thriftline-miss', body: STREAM_MESSAGE, stream: true }
]

const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((word) => word.trim()).filter((word) => word !== '')
const FILTERED = ONLY.length > 0
const isBaseline = (target: Target): boolean => target.peer === 'direct' || target.peer === 'bare' || target.peer === 'json' || target.peer === 'fastify'
const TARGETS = FILTERED
  ? ALL_TARGETS.filter((target) => ONLY.some((word) => target.name.includes(word)) ||
      (isBaseline(target) && ALL_TARGETS.some((other) => other.stream === target.stream && !isBaseline(other) && ONLY.some((word) => other.name.includes(word)))))
  : ALL_TARGETS

async function load (url: string, body: string, options: { connections: number; seconds: number; amount?: number }): Promise<autocannon.Result> {
  return await autocannon({
    url: `${url}/v1/messages`,
    method: 'POST',
    headers: HEADERS,
    body,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.seconds } : { amount: options.amount })
  })
}

async function measure (target: Target, peer: Peer): Promise<PeerResult> {
  await load(peer.url, target.body, { connections: 10, seconds: 1 }) // warm-up (and fills the cache for hit peers)
  const cpuBefore = cpuMicros(peer.pid)
  const saturated = await load(peer.url, target.body, { connections: 50, seconds: SECONDS })
  const cpuAfter = cpuMicros(peer.pid)
  const before = await ownTime(peer)
  const latency = await paced(peer.url, target.body, HEADERS, RATE, SECONDS)
  const after = await ownTime(peer)
  return {
    name: target.name,
    stream: target.stream,
    reqPerSec: saturated.requests.average,
    cpuMicrosPerRequest: saturated.requests.total > 0 ? (cpuAfter - cpuBefore) / saturated.requests.total : 0,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    ttfbP50Ms: latency.ttfbP50Ms,
    errors: saturated.errors + saturated.non2xx + latency.errors,
    peakRssBytes: peakRssBytes(peer.pid),
    ownTimeMeanMs: before === null || after === null || after.count === before.count ? null : 1000 * (after.sum - before.sum) / (after.count - before.count)
  }
}

/** Thriftline's own time per request (its llm_gateway_overhead_seconds), free of the hops' noise. */
async function ownTime (peer: Peer): Promise<{ sum: number; count: number } | null> {
  if (!peer.name.startsWith('thriftline')) return null
  const text = await (await fetch(`${peer.url}/metrics`)).text()
  const total = (suffix: string): number => text.split('\n')
    .filter((line) => line.startsWith(`llm_gateway_overhead_seconds_${suffix}{route="messages"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
  return { sum: total('sum'), count: total('count') }
}

async function leakCheck (peer: Peer): Promise<{ rssAfter10kBytes: number; rssAfter100kBytes: number }> {
  await load(peer.url, MESSAGE, { connections: 50, seconds: 120, amount: 10_000 })
  const rssAfter10kBytes = rssBytes(peer.pid)
  await load(peer.url, MESSAGE, { connections: 50, seconds: 300, amount: 90_000 })
  return { rssAfter10kBytes, rssAfter100kBytes: rssBytes(peer.pid) }
}

async function main (): Promise<void> {
  pinSelf(0)
  const policies = await writePolicies(ROOT)
  const simulator = await startPeer('simulator', { root: ROOT, policies })
  const runs = new Map<string, PeerResult[]>()
  let leak: { rssAfter10kBytes: number; rssAfter100kBytes: number } | null = null
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of TARGETS) {
        const peer = target.peer === 'direct' ? simulator : await startPeer(target.peer, { root: ROOT, policies, upstream: simulator.url })
        try {
          const result = await measure(target, peer)
          runs.set(target.name, [...(runs.get(target.name) ?? []), result])
          process.stdout.write(`round ${round + 1} ${target.name}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms\n`)
          if (!FILTERED && round === 0 && target.peer === 'thriftline-miss' && !target.stream) leak = await leakCheck(peer)
        } finally {
          if (peer !== simulator) await stopPeer(peer)
        }
      }
    }
  } finally {
    await stopPeer(simulator)
  }
  const results: PeerResult[] = TARGETS.map((target) => {
    const all = runs.get(target.name) ?? []
    const first = all[0]
    if (first === undefined) throw new Error(`no result for ${target.name}`)
    return {
      ...first,
      reqPerSec: median(all.map((r) => r.reqPerSec)),
      cpuMicrosPerRequest: median(all.map((r) => r.cpuMicrosPerRequest)),
      p50Ms: median(all.map((r) => r.p50Ms)),
      p99Ms: median(all.map((r) => r.p99Ms)),
      ttfbP50Ms: median(all.map((r) => r.ttfbP50Ms)),
      ownTimeMeanMs: first.ownTimeMeanMs === null ? null : median(all.map((r) => r.ownTimeMeanMs ?? 0)),
      errors: all.reduce((sum, r) => sum + r.errors, 0),
      peakRssBytes: Math.max(...all.map((r) => r.peakRssBytes))
    }
  })
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`
  const table = markdownTable(results, { machine, seconds: SECONDS, rounds: ROUNDS, rate: RATE, leak })
  process.stdout.write('\n' + table)
  if (FILTERED) return
  await mkdir(`${ROOT}/bench/results`, { recursive: true })
  await writeFile(`${ROOT}/bench/results/latest.json`, JSON.stringify({ machine, date: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, rate: RATE, results, leak }, null, 2) + '\n')
  await writeFile(`${ROOT}/bench/results/latest.md`, table)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
