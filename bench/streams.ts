// `npm run bench:streams`: many long, paced Messages streams open at once — Claude Code's real load —
// through Thriftline, through a plain Fastify proxy (Fastify 5 + @fastify/http-proxy) and straight
// to the simulator. Both proxies run alone on core 1 in turn; the simulator and this load generator
// share core 0. Per level of open streams it reports time to first token and the added gap
// between frames (arrival gap minus the simulator's send gap), completed and failed streams, the
// proxy's CPU and RSS, then ratios of Thriftline to the Fastify proxy and the highest level each
// path sustains with a gap p99 under 5 ms. Everything is bounded in time.
// Env: STREAMS_LEVELS (default 100,1000,5000,10000), STREAMS_GAP_MS (between events, default 50),
// STREAMS_FIRST_TOKEN_MS (default 300), STREAMS_HOLD_SECONDS (all streams open at once, default 6).
// The npm script raises the file-descriptor limit (`ulimit -n`) first: 10,000 streams need ~20,000
// descriptors in a proxy.

import { spawnSync } from 'node:child_process'
import { Agent } from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { cpuMicros, pinSelf, rssBytes, startPeer, stopPeer } from './peer.js'
import type { Peer } from './peer.js'
import { writePolicies } from './policies.js'
import { MESSAGE } from './workload.js'
import { gapPercentile, percentile, runStreamLevel } from './stream-load.js'
import type { StreamLevelResult } from './stream-load.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LEVELS = (process.env.STREAMS_LEVELS ?? '100,1000,5000,10000').split(',').map(Number)
const GAP_MS = Number(process.env.STREAMS_GAP_MS ?? 50)
const FIRST_TOKEN_MS = Number(process.env.STREAMS_FIRST_TOKEN_MS ?? 300)
const HOLD_SECONDS = Number(process.env.STREAMS_HOLD_SECONDS ?? 6)
const GAP_BAR_MS = 5
const BODY = JSON.stringify({ ...MESSAGE, stream: true })

interface PathSpec { name: string; peer: string | null }
const PATHS: PathSpec[] = [
  { name: 'direct', peer: null },
  { name: 'fastify proxy', peer: 'fastify' },
  { name: 'thriftline', peer: 'thriftline-miss' }
]

interface Row {
  level: number
  path: string
  completed: number
  failed: number
  ttftP50Ms: number
  ttftP99Ms: number
  gapP50Ms: number
  gapP99Ms: number
  cpuSeconds: number | null
  peakRssBytes: number | null
  rssPerStreamBytes: number | null
}

function fdLimit (): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n']).stdout?.toString().trim() ?? ''
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out) || 1024
}

function levelTiming (streams: number, holdSeconds: number): { rampMs: number; outputTokens: number; deadlineMs: number } {
  const rampMs = Math.max(500, streams / 2)
  const outputTokens = Math.ceil((rampMs + holdSeconds * 1000) / GAP_MS)
  return { rampMs, outputTokens, deadlineMs: FIRST_TOKEN_MS + 2 * rampMs + outputTokens * GAP_MS + 15_000 }
}

async function runLevel (url: string, streams: number, agent: Agent, pid: number | null, holdSeconds = HOLD_SECONDS): Promise<{ result: StreamLevelResult; cpuSeconds: number | null; peakRss: number | null; baseRss: number | null }> {
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
  const baseRss = pid === null ? null : rssBytes(pid)
  const cpuBefore = pid === null ? 0 : cpuMicros(pid)
  let peakRss = baseRss
  const sampler = pid === null ? null : setInterval(() => { peakRss = Math.max(peakRss ?? 0, rssBytes(pid)) }, 250)
  const result = await runStreamLevel({ url, streams, rampMs: timing.rampMs, deadlineMs: timing.deadlineMs, headers, body: BODY }, agent)
  if (sampler !== null) clearInterval(sampler)
  return { result, cpuSeconds: pid === null ? null : (cpuMicros(pid) - cpuBefore) / 1e6, peakRss, baseRss }
}

const ms = (value: number): string => value.toFixed(1)
const mb = (bytes: number | null): string => bytes === null ? '—' : `${(bytes / 1048576).toFixed(0)} MB`
const kb = (bytes: number | null): string => bytes === null ? '—' : `${(bytes / 1024).toFixed(1)} KB`
const ratio = (a: number | null, b: number | null): string => a === null || b === null || b <= 0 ? '—' : `${(a / b).toFixed(2)}×`

function report (rows: Row[], machine: string, skipped: number[]): string {
  const lines = [
    `Machine: ${machine}. Each path alone on core 1 (the simulator and the load generator on core 0); per level the streams open over max(0.5 s, level / 2000 s), the first token ${FIRST_TOKEN_MS} ms after the request, then an event every ${GAP_MS} ms until all have been open together for ${HOLD_SECONDS} s. Gap: each content delta's arrival gap minus the simulator's send gap (its p99 includes the load generator's own delay, which "direct" shows). TTFT added: the path's TTFT percentile minus direct's at the same level.`,
    '',
    '| open streams | path | completed / failed | TTFT p50 / p99 ms | TTFT added p50 / p99 ms | gap added p50 / p99 ms | proxy CPU s | peak RSS | RSS per open stream |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|'
  ]
  for (const row of rows) {
    const direct = rows.find((r) => r.level === row.level && r.path === 'direct')
    const added = direct === undefined || row.path === 'direct' ? '—' : `${ms(row.ttftP50Ms - direct.ttftP50Ms)} / ${ms(row.ttftP99Ms - direct.ttftP99Ms)}`
    lines.push(`| ${row.level} | ${row.path} | ${row.completed} / ${row.failed} | ${ms(row.ttftP50Ms)} / ${ms(row.ttftP99Ms)} | ${added} | ${ms(row.gapP50Ms)} / ${ms(row.gapP99Ms)} | ${row.cpuSeconds === null ? '—' : row.cpuSeconds.toFixed(1)} | ${mb(row.peakRssBytes)} | ${kb(row.rssPerStreamBytes)} |`)
  }
  lines.push('', '| open streams | TTFT added p99: thriftline − fastify proxy (ms) | gap p99: thriftline ÷ fastify proxy | CPU: thriftline ÷ fastify proxy | RSS per stream: thriftline ÷ fastify proxy |', '|--:|--:|--:|--:|--:|')
  for (const level of new Set(rows.map((r) => r.level))) {
    const ours = rows.find((r) => r.level === level && r.path === 'thriftline')
    const theirs = rows.find((r) => r.level === level && r.path === 'fastify proxy')
    if (ours === undefined || theirs === undefined) continue
    lines.push(`| ${level} | ${ms(ours.ttftP99Ms - theirs.ttftP99Ms)} | ${ratio(ours.gapP99Ms, theirs.gapP99Ms)} | ${ratio(ours.cpuSeconds, theirs.cpuSeconds)} | ${ratio(ours.rssPerStreamBytes, theirs.rssPerStreamBytes)} |`)
  }
  lines.push('', `Highest level sustained (no stream failed, gap p99 under ${GAP_BAR_MS} ms):`)
  for (const path of PATHS) {
    const held = rows.filter((r) => r.path === path.name && r.failed === 0 && r.gapP99Ms < GAP_BAR_MS).map((r) => r.level)
    lines.push(`- ${path.name}: ${held.length === 0 ? 'none' : Math.max(...held)}`)
  }
  if (skipped.length > 0) lines.push('', `Skipped for the file-descriptor limit (${fdLimit()}): ${skipped.join(', ')} (run through \`npm run bench:streams\`, which raises it).`)
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
  const rows: Row[] = []
  try {
    for (const path of PATHS) {
      if (path.peer !== null) peers.set(path.name, await startPeer(path.peer, { root: ROOT, policies, upstream: simulator.url, env: { UPSTREAM_CONNECTIONS: '100000' } }))
    }
    const agents = new Map(PATHS.map((path) => [path.name, new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })]))
    // Warm-up: streams of the levels' own shape (paced, stamped, a first-token delay), twice, so the
    // JIT has settled every path before anything is recorded; a first level run cold read a gap p99
    // several times its warm value.
    for (const path of PATHS) {
      const peer = peers.get(path.name)
      for (let round = 0; round < 2; round++) await runLevel(peer?.url ?? simulator.url, 300, agents.get(path.name) as Agent, null, 2)
    }
    for (const level of levels) {
      for (const path of PATHS) {
        const peer = peers.get(path.name) ?? null
        const { result, cpuSeconds, peakRss, baseRss } = await runLevel(peer?.url ?? simulator.url, level, agents.get(path.name) as Agent, peer?.pid ?? null)
        const row: Row = {
          level,
          path: path.name,
          completed: result.completed,
          failed: result.failed,
          ttftP50Ms: percentile(result.ttftMs, 0.5),
          ttftP99Ms: percentile(result.ttftMs, 0.99),
          gapP50Ms: gapPercentile(result.gapHistogram, result.gaps, 0.5),
          gapP99Ms: gapPercentile(result.gapHistogram, result.gaps, 0.99),
          cpuSeconds,
          peakRssBytes: peakRss,
          rssPerStreamBytes: peakRss === null || baseRss === null ? null : Math.max(0, peakRss - baseRss) / level
        }
        rows.push(row)
        process.stdout.write(`${level} streams, ${path.name}: ${row.completed} completed, ${row.failed} failed, TTFT p50 ${ms(row.ttftP50Ms)} ms, gap p99 ${ms(row.gapP99Ms)} ms\n`)
      }
    }
    for (const agent of agents.values()) agent.destroy()
  } finally {
    for (const peer of peers.values()) await stopPeer(peer)
    await stopPeer(simulator)
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`
  const markdown = report(rows, machine, skipped)
  await mkdir(`${ROOT}/bench/results`, { recursive: true })
  await writeFile(`${ROOT}/bench/results/streams.json`, JSON.stringify({ machine, gapMs: GAP_MS, firstTokenMs: FIRST_TOKEN_MS, holdSeconds: HOLD_SECONDS, rows }, null, 2) + '\n')
  await writeFile(`${ROOT}/bench/results/streams.md`, markdown)
  process.stdout.write('\n' + markdown)
}

await main()
