// `npm run bench:pair`: CPU per request of the bare proxy, the JSON proxy, the Fastify + @fastify/http-proxy reference
// (@fastify/http-proxy, which the issue's targets were set against) and Thriftline (miss path,
// then streams, then streams whose events come 1 ms apart as the API sends them, one chunk each;
// then the bare proxy beside Thriftline's memory and Redis cache hits) loaded at the same time,
// all on core 1, so whatever the machine does to one it does to the others. On a noisy VM this is the steadier reading of what Thriftline's own work costs: the
// ratio is taken within each round (the same seconds for every peer), then the median of rounds.
// Env: PAIR_SECONDS (per round, default 4), PAIR_ROUNDS (default 5), PAIR_WARMUP_SECONDS (default
// 5: Thriftline has more code for the JIT to settle). Every load loop is bounded in time.

import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { cpus } from 'node:os'
import { pinSelf, startPeer, stopPeer } from './peer.js'
import type { Peer } from './peer.js'
import { writePolicies } from './policies.js'
import { HEADERS, bodyOf, median } from './workload.js'
import { cpuPerRequestRounds, ratiosTo } from './same-core.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECONDS = Number(process.env.PAIR_SECONDS ?? 4)
const ROUNDS = Number(process.env.PAIR_ROUNDS ?? 5)
const WARMUP_SECONDS = Number(process.env.PAIR_WARMUP_SECONDS ?? 5)
const BARE = { name: 'bare proxy', peer: 'bare' }
const FASTIFY = { name: 'fastify proxy', peer: 'fastify' }
/** The bare proxy first (the ratios' reference), the Fastify + @fastify/http-proxy reference beside it. */
const PROXIES = [BARE, { name: 'json proxy', peer: 'json' }, FASTIFY, { name: 'thriftline', peer: 'thriftline-miss' }]
/** The simulator's stream with its events 1 ms apart: each reaches the gateway as its own chunk. */
const SPACED = { ...HEADERS, 'x-sim-event-delay-ms': '1' }
/** Each group is loaded at once; its first peer is the reference its ratios are taken to. */
const GROUPS: Array<{ stream: boolean; label?: string; headers?: Record<string, string>; peers: Array<{ name: string; peer: string }> }> = [
  { stream: false, peers: PROXIES },
  { stream: true, peers: PROXIES },
  { stream: true, label: 'stream, events 1 ms apart', headers: SPACED, peers: PROXIES },
  // Cache hits against the bare proxy's miss: the hit targets are throughput ratios, and on one
  // core a CPU-bound peer's throughput is the inverse of its CPU per request.
  { stream: false, peers: [{ name: 'bare proxy (beside the hits)', peer: 'bare' }, { name: 'thriftline hit (memory)', peer: 'thriftline-hit-memory' }, { name: 'thriftline hit (redis)', peer: 'thriftline-hit-redis' }] }
]

interface PairRow { name: string; stream: boolean; label: string | null; cpuMicrosPerRequest: number[]; median: number; ratiosToBare: number[]; ratioToBare: number; ratioToFastify: number | null }

async function measure (group: typeof GROUPS[number], running: Map<string, Peer>): Promise<PairRow[]> {
  const peers = group.peers.map((p) => running.get(p.peer) as Peer)
  const stream = group.stream
  const samples = await cpuPerRequestRounds(peers, bodyOf(stream), { seconds: SECONDS, rounds: ROUNDS, warmupSeconds: WARMUP_SECONDS, headers: group.headers })
  const bare = samples[0] ?? []
  const fastifyAt = group.peers.indexOf(FASTIFY)
  const fastify = fastifyAt === -1 ? null : samples[fastifyAt] ?? null
  return group.peers.map((p, i) => {
    const own = samples[i] ?? []
    const ratios = ratiosTo(bare, own)
    return { name: p.name, stream, label: group.label ?? (stream ? 'stream' : null), cpuMicrosPerRequest: own.map(Math.round), median: median(own), ratiosToBare: ratios, ratioToBare: median(ratios), ratioToFastify: fastify === null ? null : median(ratiosTo(fastify, own)) }
  })
}

function table (rows: PairRow[], machine: string): string {
  const lines = [
    `Machine: ${machine}. The peers of a group of rows on core 1 at once, each loaded by 25 connections for ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, ${ROUNDS} rounds; the ratio to the group's bare proxy (and to its fastify proxy, Fastify + @fastify/http-proxy) is taken within each round, then the median. Its inverse is the throughput ratio a CPU-bound peer would reach.`,
    '',
    '| peer | CPU µs/req (rounds) | median | × bare proxy (rounds) | × bare proxy (median) | bare ÷ peer (≈ throughput) | × fastify proxy (median) |',
    '|---|--:|--:|--:|--:|--:|--:|'
  ]
  for (const row of rows) {
    lines.push(`| ${row.name}${row.label === null ? '' : ` (${row.label})`} | ${row.cpuMicrosPerRequest.join(' / ')} | ${Math.round(row.median)} | ${row.ratiosToBare.map((r) => r.toFixed(2)).join(' / ')} | ${row.ratioToBare.toFixed(2)}× | ${(1 / row.ratioToBare).toFixed(2)}× | ${row.ratioToFastify === null ? '–' : `${row.ratioToFastify.toFixed(2)}×`} |`)
  }
  return lines.join('\n') + '\n'
}

async function main (): Promise<void> {
  pinSelf(0)
  const policies = await writePolicies(ROOT)
  const simulator = await startPeer('simulator', { root: ROOT, policies })
  const running = new Map<string, Peer>()
  try {
    for (const group of GROUPS) {
      for (const p of group.peers) if (!running.has(p.peer)) running.set(p.peer, await startPeer(p.peer, { root: ROOT, policies, upstream: simulator.url }))
    }
    const rows: PairRow[] = []
    for (const group of GROUPS) rows.push(...await measure(group, running))
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`
    const text = table(rows, machine)
    process.stdout.write(text)
    await mkdir(`${ROOT}/bench/results`, { recursive: true })
    await writeFile(`${ROOT}/bench/results/pair.json`, JSON.stringify({ machine, date: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, rows }, null, 2) + '\n')
    await writeFile(`${ROOT}/bench/results/pair.md`, text)
  } finally {
    await Promise.all([...running.values()].map(stopPeer))
    await stopPeer(simulator)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`pair bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
