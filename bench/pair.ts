// `npm run bench:pair`: CPU per request of the bare proxy, the JSON proxy and Switchyard (miss path)
// loaded at the same time, all three on core 1, so whatever the machine does to one it does to the
// others. On a noisy VM this is the steadier reading of what Switchyard's own work costs: the
// ratio is taken within each round (the same seconds for every peer), then the median of rounds.
// Env: PAIR_SECONDS (per round, default 4), PAIR_ROUNDS (default 5), PAIR_WARMUP_SECONDS (default
// 5: Switchyard has more code for the JIT to settle). Every load loop is bounded in time.

import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { cpus } from 'node:os'
import { pinSelf, startPeer, stopPeer } from './peer.js'
import type { Peer } from './peer.js'
import { writePolicies } from './policies.js'
import { bodyOf, median } from './workload.js'
import { cpuPerRequestRounds, ratiosTo } from './same-core.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECONDS = Number(process.env.PAIR_SECONDS ?? 4)
const ROUNDS = Number(process.env.PAIR_ROUNDS ?? 5)
const WARMUP_SECONDS = Number(process.env.PAIR_WARMUP_SECONDS ?? 5)
const PEERS = [
  { name: 'bare proxy', peer: 'bare' },
  { name: 'json proxy', peer: 'json' },
  { name: 'switchyard', peer: 'switchyard-miss' }
]

interface PairRow { name: string; stream: boolean; cpuMicrosPerRequest: number[]; median: number; ratiosToBare: number[]; ratioToBare: number }

async function measure (peers: Peer[], stream: boolean): Promise<PairRow[]> {
  const samples = await cpuPerRequestRounds(peers, bodyOf(stream), { seconds: SECONDS, rounds: ROUNDS, warmupSeconds: WARMUP_SECONDS })
  const bare = samples[0] ?? []
  return PEERS.map((p, i) => {
    const own = samples[i] ?? []
    const ratios = ratiosTo(bare, own)
    return { name: p.name, stream, cpuMicrosPerRequest: own.map(Math.round), median: median(own), ratiosToBare: ratios, ratioToBare: median(ratios) }
  })
}

function table (rows: PairRow[], machine: string): string {
  const lines = [
    `Machine: ${machine}. The three peers on core 1 at once, each loaded by 25 connections for ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, ${ROUNDS} rounds; the ratio is taken within each round, then the median.`,
    '',
    '| peer | CPU µs/req (rounds) | median | × bare proxy (rounds) | × bare proxy (median) |',
    '|---|--:|--:|--:|--:|'
  ]
  for (const row of rows) {
    lines.push(`| ${row.name}${row.stream ? ' (stream)' : ''} | ${row.cpuMicrosPerRequest.join(' / ')} | ${Math.round(row.median)} | ${row.ratiosToBare.map((r) => r.toFixed(2)).join(' / ')} | ${row.ratioToBare.toFixed(2)}× |`)
  }
  return lines.join('\n') + '\n'
}

async function main (): Promise<void> {
  pinSelf(0)
  const policies = await writePolicies(ROOT)
  const simulator = await startPeer('simulator', { root: ROOT, policies })
  const peers: Peer[] = []
  try {
    for (const p of PEERS) peers.push(await startPeer(p.peer, { root: ROOT, policies, upstream: simulator.url }))
    const rows = [...await measure(peers, false), ...await measure(peers, true)]
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`
    const text = table(rows, machine)
    process.stdout.write(text)
    await mkdir(`${ROOT}/bench/results`, { recursive: true })
    await writeFile(`${ROOT}/bench/results/pair.json`, JSON.stringify({ machine, date: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, rows }, null, 2) + '\n')
    await writeFile(`${ROOT}/bench/results/pair.md`, text)
  } finally {
    await Promise.all(peers.map(stopPeer))
    await stopPeer(simulator)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`pair bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
