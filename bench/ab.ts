// `npm run bench:ab [-- <git ref>]`: Thriftline as committed at <ref> (default HEAD) against the
// working tree, on core 1 at the same time (miss path, streams, then streams whose events come 1 ms
// apart, then memory cache hits), CPU per request compared within each round. The way to tell whether a change moved CPU
// per request by a few percent on a noisy VM, where runs one after another drift by ±30%. A second
// copy of A (A′) runs beside them, so every run reports its own noise: A′ / A is what "no change"
// read in the same seconds (one day an A/A median was 1.003, another day 0.977 and 1.028; the copy
// started first read 3–5% cheaper in one run, so B is compared with the mean of the two). Prints a
// table; writes no results (it measures a change, not the gateway). Env: AB_SECONDS (per round,
// default 4), AB_ROUNDS (default 8), AB_WARMUP_SECONDS (default 8: three builds share the core
// while they warm), AB_PATHS (e.g. `miss,hit`; ids: miss, stream, spaced, hit). Every load loop is bounded in time.

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { pinSelf, startPeer, stopPeer } from './peer.js'
import type { Peer } from './peer.js'
import { writePolicies } from './policies.js'
import { cpuPerRequestRounds, ratiosTo } from './same-core.js'
import { HEADERS, bodyOf, median } from './workload.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OPTIONS = {
  seconds: Number(process.env.AB_SECONDS ?? 4),
  rounds: Number(process.env.AB_ROUNDS ?? 8),
  warmupSeconds: Number(process.env.AB_WARMUP_SECONDS ?? 8)
}

/** The gateway's sources at `ref`, exported once under .tmp/ab/<commit> (node_modules resolve from the project). */
function exportRef (ref: string): { commit: string; root: string } {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT }).toString().trim()
  const root = `${ROOT}.tmp/ab/${commit}`
  if (!existsSync(`${root}/src/main.ts`)) {
    mkdirSync(root, { recursive: true })
    const tar = execFileSync('git', ['archive', '--format=tar', commit, 'src', 'config', 'tsconfig.json'], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 })
    execFileSync('tar', ['-x', '-C', root], { input: tar })
  }
  return { commit, root }
}

/** `AB_PATHS=miss,hit` runs only those (ids below); all by default. */
const CHOSEN = process.env.AB_PATHS === undefined ? null : process.env.AB_PATHS.split(',').map((id) => id.trim())
const PATHS = [
  { id: 'miss', name: 'miss', peer: 'thriftline-miss', stream: false, headers: HEADERS },
  { id: 'stream', name: 'stream', peer: 'thriftline-miss', stream: true, headers: HEADERS },
  { id: 'spaced', name: 'stream, events 1 ms apart', peer: 'thriftline-miss', stream: true, headers: { ...HEADERS, 'x-sim-event-delay-ms': '1' } },
  // Every request after the first is a hit: the benchmark sends one body.
  { id: 'hit', name: 'memory hit', peer: 'thriftline-hit-memory', stream: false, headers: HEADERS }
]

const fmt = (values: readonly number[], digits: number): string => values.map((value) => value.toFixed(digits)).join(' / ')

async function main (): Promise<void> {
  const ref = process.argv[2] ?? 'HEAD'
  const baseline = exportRef(ref)
  pinSelf(0)
  const policies = await writePolicies(ROOT)
  const simulator = await startPeer('simulator', { root: ROOT, policies })
  const peers: Peer[] = []
  /** A, B and A′ of one kind, started when a path first needs them. */
  const trios = new Map<string, Peer[]>()
  const trio = async (kind: string): Promise<Peer[]> => {
    let started = trios.get(kind)
    if (started === undefined) {
      started = []
      for (const root of [baseline.root, ROOT, baseline.root]) started.push(await startPeer(kind, { root, policies, upstream: simulator.url }))
      peers.push(...started)
      trios.set(kind, started)
    }
    return started
  }
  try {
    const lines = [
      `A = ${ref} (${baseline.commit.slice(0, 10)}), B = the working tree, A′ = A again; all three on core 1 at once, 25 connections each, ${OPTIONS.rounds} rounds of ${OPTIONS.seconds} s after ${OPTIONS.warmupSeconds} s of warm-up. B is compared with the mean of A and A′ in each round; a change is shown only where B / mean stands clear of A′ / A (the same build twice: this run's noise).`,
      '',
      '| path | A CPU µs/req (rounds) | B CPU µs/req (rounds) | B / mean(A, A′) (rounds) | B / mean(A, A′) (median) | A′ / A (rounds) | A′ / A (median) |',
      '|---|--:|--:|--:|--:|--:|--:|'
    ]
    for (const path of PATHS.filter((p) => CHOSEN === null || CHOSEN.includes(p.id))) {
      const [a = [], b = [], again = []] = await cpuPerRequestRounds(await trio(path.peer), bodyOf(path.stream), { ...OPTIONS, headers: path.headers })
      // A is started first, B second, A′ last: their mean evens out a bias that grows with start order.
      const reference = a.map((value, round) => (value + (again[round] ?? value)) / 2)
      const ratios = ratiosTo(reference, b)
      const noise = ratiosTo(a, again)
      lines.push(`| ${path.name} | ${fmt(a, 0)} | ${fmt(b, 0)} | ${fmt(ratios, 3)} | ${median(ratios).toFixed(3)} | ${fmt(noise, 3)} | ${median(noise).toFixed(3)} |`)
    }
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    await Promise.all(peers.map(stopPeer))
    await stopPeer(simulator)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ab bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
