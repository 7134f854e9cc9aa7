// `npm run bench:streams`: many long, paced Messages streams open at once — Claude Code's real load —
// through Thriftline, through a plain Fastify proxy (Fastify 5 + @fastify/http-proxy) and straight
// to the simulator. Both proxies run alone on core 1 in turn; the simulator and this load generator
// share core 0. Per level of open streams it reports time to first token and the added gap
// between frames (arrival gap minus the simulator's send gap), completed and failed streams, the
// proxy's CPU and RSS, how busy the load generator's own core was, then ratios of Thriftline to the
// Fastify proxy and the highest level each path sustains with a gap p99 under 5 ms.
// A level runs in rounds, the paths in a rotating order each round, and every figure is the median
// over the rounds: one run of a level read the same path's gap p99 anywhere from 18 to 39 ms on
// this VM, more than any difference between the paths. Everything is bounded in time.
// Env: STREAMS_LEVELS (default 100,500,1000,2000,5000,10000), STREAMS_ROUNDS (default 3; one round
// for the levels after one where even direct streams were lost: there the load generator is the limit),
// STREAMS_OPEN_RATE (streams opened per second, default 500), STREAMS_GAP_MS (between events,
// default 50), STREAMS_FIRST_TOKEN_MS (default 300), STREAMS_HOLD_SECONDS (all streams open at
// once, default 4). The npm script raises the file-descriptor limit (`ulimit -n`) first: 10,000
// streams need ~20,000 descriptors in a proxy.

import { spawnSync } from 'node:child_process'
import { Agent } from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { cpuMicros, pinSelf, rssBytes, startPeer, stopPeer } from './peer.js'
import type { Peer } from './peer.js'
import { writePolicies } from './policies.js'
import { MESSAGE, median } from './workload.js'
import { gapPercentile, percentile, runStreamLevel } from './stream-load.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LEVELS = (process.env.STREAMS_LEVELS ?? '100,500,1000,2000,5000,10000').split(',').map(Number)
const ROUNDS = Number(process.env.STREAMS_ROUNDS ?? 3)
const OPEN_RATE = Number(process.env.STREAMS_OPEN_RATE ?? 500)
const GAP_MS = Number(process.env.STREAMS_GAP_MS ?? 50)
const FIRST_TOKEN_MS = Number(process.env.STREAMS_FIRST_TOKEN_MS ?? 300)
const HOLD_SECONDS = Number(process.env.STREAMS_HOLD_SECONDS ?? 4)
const GAP_BAR_MS = 5
/** A stream this late past its last event's due time is abandoned (counted as failed). */
const LATE_MS = 3000
const BODY = JSON.stringify({ ...MESSAGE, stream: true })

interface PathSpec { name: string; peer: string | null }
const PATHS: PathSpec[] = [
  { name: 'direct', peer: null },
  { name: 'fastify proxy', peer: 'fastify' },
  { name: 'thriftline', peer: 'thriftline-miss' }
]

/** One path's run of one level. */
interface Run {
  level: number
  round: number
  path: string
  completed: number
  failed: number
  ttftP50Ms: number
  ttftP99Ms: number
  gapP50Ms: number
  gapP99Ms: number
  cpuSeconds: number | null
  peakRssBytes: number | null
  /** CPU time of the simulator and this load generator over the run's wall time (core 0). */
  harnessBusy: number
}

function fdLimit (): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n']).stdout?.toString().trim() ?? ''
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out) || 1024
}

function levelTiming (streams: number, holdSeconds: number): { rampMs: number; outputTokens: number; deadlineMs: number } {
  const rampMs = Math.max(500, (streams * 1000) / OPEN_RATE)
  const outputTokens = Math.ceil((rampMs + holdSeconds * 1000) / GAP_MS)
  return { rampMs, outputTokens, deadlineMs: FIRST_TOKEN_MS + rampMs + outputTokens * GAP_MS + LATE_MS }
}

const cpuSecondsOfSelf = (): number => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6 }

async function runLevel (url: string, streams: number, agent: Agent, pid: number | null, simulatorPid: number, holdSeconds = HOLD_SECONDS): Promise<Omit<Run, 'level' | 'round' | 'path'>> {
  const timing = levelTiming(streams, holdSeconds)
  const headers = {
    'content-type': 'application/json',
    'x-api-key': 'sk-bench',
    'anthropic-version': '2023-06-01',
    'x-sim-first-token-ms': String(FIRST_TOKEN_MS),
    'x-sim-event-delay-ms': String(GAP_MS),
    'x-sim-output-tokens': String(timing.outputTokens),
    'x-sim-stamp': '1'
  }
  const cpuBefore = pid === null ? 0 : cpuMicros(pid)
  const harnessBefore = cpuMicros(simulatorPid) / 1e6 + cpuSecondsOfSelf()
  const startedAt = performance.now()
  let peakRss = pid === null ? null : rssBytes(pid)
  const sampler = pid === null ? null : setInterval(() => { peakRss = Math.max(peakRss ?? 0, rssBytes(pid)) }, 250)
  const result = await runStreamLevel({ url, streams, rampMs: timing.rampMs, deadlineMs: timing.deadlineMs, headers, body: BODY }, agent)
  if (sampler !== null) clearInterval(sampler)
  const wallSeconds = (performance.now() - startedAt) / 1000
  return {
    completed: result.completed,
    failed: result.failed,
    ttftP50Ms: percentile(result.ttftMs, 0.5),
    ttftP99Ms: percentile(result.ttftMs, 0.99),
    gapP50Ms: gapPercentile(result.gapHistogram, result.gaps, 0.5),
    gapP99Ms: gapPercentile(result.gapHistogram, result.gaps, 0.99),
    cpuSeconds: pid === null ? null : (cpuMicros(pid) - cpuBefore) / 1e6,
    peakRssBytes: peakRss,
    harnessBusy: (cpuMicros(simulatorPid) / 1e6 + cpuSecondsOfSelf() - harnessBefore) / wallSeconds
  }
}

const ms = (value: number): string => value.toFixed(1)
const mb = (bytes: number | null): string => bytes === null ? '—' : `${(bytes / 1048576).toFixed(0)} MB`
const kb = (bytes: number | null): string => bytes === null ? '—' : `${(bytes / 1024).toFixed(1)} KB`
const pct = (value: number): string => `${Math.round(value * 100)}%`
const medianOf = (runs: readonly Run[], pick: (run: Run) => number | null): number | null => {
  const values = runs.map(pick).filter((value): value is number => value !== null)
  return values.length === 0 ? null : median(values)
}
const fixed = (value: number | null, digits: number, unit = ''): string => value === null ? '—' : `${value.toFixed(digits)}${unit}`

/** Per round, Thriftline's figure against the fastify proxy's (a ratio, or a difference in ms). */
function perRound (runs: readonly Run[], level: number, pick: (run: Run) => number | null, compare: (ours: number, theirs: number) => number): number[] {
  const out: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const ours = runs.find((r) => r.level === level && r.round === round && r.path === 'thriftline')
    const theirs = runs.find((r) => r.level === level && r.round === round && r.path === 'fastify proxy')
    const a = ours === undefined ? null : pick(ours)
    const b = theirs === undefined ? null : pick(theirs)
    if (a !== null && b !== null) out.push(compare(a, b))
  }
  return out
}

/**
 * RSS per open stream: the level's peak (over its rounds) above the process's RSS just before the
 * level's first round, over the level. RSS hardly shrinks once grown, so a later round's own start
 * would hide what the level needs.
 */
function rssPerStream (runs: readonly Run[], level: number, path: string, baselines: ReadonlyMap<string, number>): number | null {
  const base = baselines.get(`${level} ${path}`)
  const peaks = runs.filter((r) => r.level === level && r.path === path).map((r) => r.peakRssBytes).filter((v): v is number => v !== null)
  return base === undefined || peaks.length === 0 ? null : Math.max(0, Math.max(...peaks) - base) / level
}

function report (runs: Run[], baselines: ReadonlyMap<string, number>, machine: string, skipped: number[]): string {
  const levels = [...new Set(runs.map((r) => r.level))]
  const lines = [
    `Machine: ${machine}. Each path alone on core 1 (the simulator and the load generator on core 0). Per level, ${ROUNDS} rounds with the paths in a rotating order (one round after a level where even direct streams were lost: the load generator's core is the limit there); every figure is the median over the rounds (completed / failed: their sums). Streams open at ${OPEN_RATE} per second (at least over 0.5 s), the first token ${FIRST_TOKEN_MS} ms after the request, then an event every ${GAP_MS} ms until all have been open together for ${HOLD_SECONDS} s. Gap: each content delta's arrival gap minus the simulator's send gap (its p99 includes the load generator's own delay, which "direct" shows). TTFT added: the path's TTFT percentile minus direct's in the same round. Core 0 busy: the simulator's and the load generator's CPU time over the run's wall time; near 100% the load generator itself holds frames back.`,
    '',
    '| open streams | path | completed / failed | TTFT p50 / p99 ms | TTFT added p50 / p99 ms | gap added p50 / p99 ms | gap p99 by round ms | proxy CPU s | peak RSS | RSS per open stream | core 0 busy |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
  ]
  for (const level of levels) {
    for (const path of PATHS) {
      const mine = runs.filter((r) => r.level === level && r.path === path.name)
      if (mine.length === 0) continue
      const added = (pick: (run: Run) => number): number | null => path.name === 'direct' ? null : median(mine.map((run) => {
        const direct = runs.find((r) => r.level === level && r.round === run.round && r.path === 'direct')
        return direct === undefined ? Number.NaN : pick(run) - pick(direct)
      }))
      const completed = mine.reduce((sum, r) => sum + r.completed, 0)
      const failed = mine.reduce((sum, r) => sum + r.failed, 0)
      const addedP50 = added((r) => r.ttftP50Ms)
      const addedP99 = added((r) => r.ttftP99Ms)
      lines.push(`| ${level} | ${path.name} | ${completed} / ${failed} | ${fixed(medianOf(mine, (r) => r.ttftP50Ms), 1)} / ${fixed(medianOf(mine, (r) => r.ttftP99Ms), 1)} | ${addedP50 === null || addedP99 === null ? '—' : `${ms(addedP50)} / ${ms(addedP99)}`} | ${fixed(medianOf(mine, (r) => r.gapP50Ms), 1)} / ${fixed(medianOf(mine, (r) => r.gapP99Ms), 1)} | ${mine.map((r) => ms(r.gapP99Ms)).join(' · ')} | ${fixed(medianOf(mine, (r) => r.cpuSeconds), 1)} | ${mb(medianOf(mine, (r) => r.peakRssBytes))} | ${kb(rssPerStream(runs, level, path.name, baselines))} | ${pct(medianOf(mine, (r) => r.harnessBusy) ?? 0)} |`)
    }
  }
  lines.push('', '| open streams | TTFT added p99: thriftline − fastify proxy, ms (median; rounds) | gap p99: thriftline ÷ fastify proxy (median; rounds) | CPU: thriftline ÷ fastify proxy | RSS per stream: thriftline ÷ fastify proxy |', '|--:|--:|--:|--:|--:|')
  const both = (values: number[], digits: number, unit: string): string => values.length === 0 ? '—' : `${median(values).toFixed(digits)}${unit} (${values.map((v) => v.toFixed(digits)).join(' · ')})`
  for (const level of levels) {
    const ttft = perRound(runs, level, (r) => r.ttftP99Ms, (a, b) => a - b)
    const gap = perRound(runs, level, (r) => r.gapP99Ms, (a, b) => a / b)
    const cpu = perRound(runs, level, (r) => r.cpuSeconds, (a, b) => a / b)
    const ourRss = rssPerStream(runs, level, 'thriftline', baselines)
    const theirRss = rssPerStream(runs, level, 'fastify proxy', baselines)
    lines.push(`| ${level} | ${both(ttft, 1, '')} | ${both(gap, 2, '×')} | ${cpu.length === 0 ? '—' : `${median(cpu).toFixed(2)}×`} | ${ourRss === null || theirRss === null || theirRss === 0 ? '—' : `${(ourRss / theirRss).toFixed(2)}×`} |`)
  }
  lines.push('', `Highest level sustained (no stream failed in any round, median gap p99 under ${GAP_BAR_MS} ms):`)
  for (const path of PATHS) {
    const held = levels.filter((level) => {
      const mine = runs.filter((r) => r.level === level && r.path === path.name)
      return mine.length > 0 && mine.every((r) => r.failed === 0) && (medianOf(mine, (r) => r.gapP99Ms) ?? Number.POSITIVE_INFINITY) < GAP_BAR_MS
    })
    lines.push(`- ${path.name}: ${held.length === 0 ? 'none' : Math.max(...held)}`)
  }
  if (skipped.length > 0) lines.push('', `Skipped for the file-descriptor limit (${fdLimit()}): ${skipped.join(', ')} (run through \`npm run bench:streams\`, which raises it as far as the hard limit allows).`)
  return lines.join('\n') + '\n'
}

async function main (): Promise<void> {
  pinSelf(0)
  const limit = fdLimit()
  const levels = LEVELS.filter((level) => 2 * level + 512 <= limit)
  const skipped = LEVELS.filter((level) => !levels.includes(level))
  const policies = await writePolicies(ROOT)
  const simulator = await startPeer('simulator', { root: ROOT, policies })
  const peers = new Map<string, Peer>()
  const runs: Run[] = []
  const baselines = new Map<string, number>()
  try {
    for (const path of PATHS) {
      if (path.peer !== null) peers.set(path.name, await startPeer(path.peer, { root: ROOT, policies, upstream: simulator.url, env: { UPSTREAM_CONNECTIONS: '100000' } }))
    }
    const agents = new Map(PATHS.map((path) => [path.name, new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })]))
    // Warm-up: streams of the levels' own shape (paced, stamped, a first-token delay), twice, so the
    // JIT has settled every path before anything is recorded; a first level run cold read a gap p99
    // several times its warm value.
    // Small enough that the first level still grows the processes' memory.
    const warmupStreams = Math.min(300, Math.floor(Math.min(...levels) / 2))
    for (const path of PATHS) {
      const peer = peers.get(path.name)
      for (let round = 0; round < 2; round++) await runLevel(peer?.url ?? simulator.url, warmupStreams, agents.get(path.name) as Agent, null, simulator.pid, 2)
    }
    let harnessBound = false
    for (const level of levels) {
      for (const [name, peer] of peers) baselines.set(`${level} ${name}`, rssBytes(peer.pid))
      const rounds = harnessBound ? 1 : ROUNDS
      for (let round = 0; round < rounds; round++) {
        // Rotated each round, so no path always runs right after the same other one.
        const order = PATHS.map((_, i) => PATHS[(i + round) % PATHS.length] as PathSpec)
        for (const path of order) {
          const peer = peers.get(path.name) ?? null
          const run: Run = { level, round, path: path.name, ...await runLevel(peer?.url ?? simulator.url, level, agents.get(path.name) as Agent, peer?.pid ?? null, simulator.pid) }
          runs.push(run)
          process.stdout.write(`${level} streams, round ${round + 1}, ${path.name}: ${run.completed} completed, ${run.failed} failed, TTFT p50 ${ms(run.ttftP50Ms)} ms, gap p99 ${ms(run.gapP99Ms)} ms, core 0 busy ${pct(run.harnessBusy)}\n`)
        }
      }
      // Direct streams lost: the load generator's core is the limit, and more rounds only take time.
      harnessBound ||= runs.some((r) => r.level === level && r.path === 'direct' && r.failed > 0)
    }
    for (const agent of agents.values()) agent.destroy()
  } finally {
    for (const peer of peers.values()) await stopPeer(peer)
    await stopPeer(simulator)
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`
  const markdown = report(runs, baselines, machine, skipped)
  await mkdir(`${ROOT}/bench/results`, { recursive: true })
  await writeFile(`${ROOT}/bench/results/streams.json`, JSON.stringify({ machine, rounds: ROUNDS, openRate: OPEN_RATE, gapMs: GAP_MS, firstTokenMs: FIRST_TOKEN_MS, holdSeconds: HOLD_SECONDS, rssBaselines: Object.fromEntries(baselines), runs }, null, 2) + '\n')
  await writeFile(`${ROOT}/bench/results/streams.md`, markdown)
  process.stdout.write('\n' + markdown)
}

await main()
