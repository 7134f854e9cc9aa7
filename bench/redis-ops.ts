// `npm run bench:redis-ops`: how many Redis commands each request path costs, counted by Redis
// itself (INFO commandstats, reset before each request). Starts its own redis-server, simulator
// and two gateway processes (src/main.ts) on loopback; sends a handful of requests, no load; takes
// a few seconds. Writes bench/results/redis-ops.json and prints a table.

import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSimulator } from '../src/simulator/server.js'
import { freePort, startGatewayProcess } from '../test/helpers/gateway-process.js'
import type { GatewayProcess } from '../test/helpers/gateway-process.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const FOLLOWER_WAIT_MS = 200

interface PathCount { path: string; commands: Record<string, number>; total: number; note: string }

const cli = (port: number, ...args: string[]): string => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout ?? ''

/** Commands run since the last reset, without the ones this script itself sends. */
function commandStats (port: number): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const line of cli(port, 'info', 'commandstats').split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (match === null || match[1] === 'info' || match[1]!.startsWith('config')) continue
    counts[match[1]!] = Number(match[2])
  }
  return counts
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-redis-ops-'))
  const policy = join(dir, 'gateway.yaml')
  await writeFile(policy, 'cache: { mode: all, ttl: 10m, lock_wait: 5s }\n')
  const port = await freePort()
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const sim = await createSimulator({ record: false })
  const gateways: GatewayProcess[] = []
  try {
    while (cli(port, 'ping').trim() !== 'PONG') await sleep(30)
    const env = { ANTHROPIC_UPSTREAM_URL: sim.url, GATEWAY_CONFIG: policy, REDIS_URL: `redis://127.0.0.1:${port}` }
    gateways.push(...await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]))
    const [one, two] = gateways as [GatewayProcess, GatewayProcess]
    for (const gateway of gateways) {
      while ((await (await fetch(`${gateway.url}/readyz`)).json() as { cache: string }).cache !== 'ok') await sleep(30)
    }
    let n = 0
    const body = (stream: boolean, prompt: string): string => JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64, stream, messages: [{ role: 'user', content: prompt }] })
    const send = async (url: string, payload: string, headers: Record<string, string> = {}): Promise<void> => {
      const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-bench', ...headers }, body: payload })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`status ${res.status}`)
    }
    /** Resets the counters, runs `work`, lets the fire-and-forget store land, reads the counters. */
    const counted = async (work: () => Promise<void>): Promise<Record<string, number>> => {
      cli(port, 'config', 'resetstat')
      await work()
      await sleep(150)
      return commandStats(port)
    }
    const results: PathCount[] = []
    const record = (path: string, commands: Record<string, number>, note: string): void => {
      results.push({ path, commands, total: Object.values(commands).reduce((sum, calls) => sum + calls, 0), note })
    }

    const bypass = `bypass ${++n}`
    record('cache bypassed (not cacheable, or `x-gateway-cache: off`)', await counted(() => send(one.url, body(false, bypass), { 'x-gateway-cache': 'off' })), 'no Redis at all')
    const json = `json ${++n}`
    record('miss, JSON (lookup, lock, upstream, store)', await counted(() => send(one.url, body(false, json))), '')
    record('hit, JSON', await counted(() => send(one.url, body(false, json))), '')
    record('hit, JSON, on another replica', await counted(() => send(two.url, body(false, json))), '')
    const stream = `stream ${++n}`
    record('miss, stream', await counted(() => send(one.url, body(true, stream))), '')
    record('hit, stream (replayed as SSE)', await counted(() => send(two.url, body(true, stream))), '')
    const refresh = `refresh ${++n}`
    record('`cache-control: no-cache` (refresh: no lookup, store)', await counted(() => send(one.url, body(false, refresh), { 'cache-control': 'no-cache' })), '')

    // A follower on another replica while the leader waits FOLLOWER_WAIT_MS on the upstream: the
    // pair's commands minus a plain miss's are the follower's.
    const shared = `shared ${++n}`
    const missTotal = results[1]!.total
    const pair = await counted(async () => {
      const leader = send(one.url, body(false, shared), { 'x-sim-latency-ms': String(FOLLOWER_WAIT_MS) })
      await sleep(30)
      await Promise.all([leader, send(two.url, body(false, shared), { 'x-sim-latency-ms': String(FOLLOWER_WAIT_MS) })])
    })
    const pairTotal = Object.values(pair).reduce((sum, calls) => sum + calls, 0)
    results.push({ path: `follower on another replica, leader answering in ~${FOLLOWER_WAIT_MS} ms`, commands: pair, total: pairTotal - missTotal, note: `the pair made ${pairTotal}; a follower polls GET + EXISTS every 20 ms while it waits` })

    const lines = ['| path | Redis commands | which |', '|---|--:|---|']
    for (const result of results) {
      const which = Object.entries(result.commands).map(([command, calls]) => `${command} ${calls}`).join(', ')
      lines.push(`| ${result.path} | ${result.total} | ${which || '–'}${result.note === '' ? '' : ` (${result.note})`} |`)
    }
    process.stdout.write(lines.join('\n') + '\n')
    await mkdir(join(ROOT, 'bench/results'), { recursive: true })
    await writeFile(join(ROOT, 'bench/results/redis-ops.json'), JSON.stringify({ date: new Date().toISOString(), redis: cli(port, 'info', 'server').match(/redis_version:(\S+)/)?.[1] ?? 'unknown', followerWaitMs: FOLLOWER_WAIT_MS, results }, null, 2) + '\n')
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()))
    await sim.close()
    redis.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
