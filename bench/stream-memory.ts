// `npm run bench:stream-memory`: memory one in-flight stream holds in a gateway process. Opens
// STEP slow streams (the simulator sends one event every 500 ms), reads the gateway's RSS and V8
// heap once they all flow, and again after each of ROUNDS more steps: the least-squares slope of
// memory over open streams is the cost of one more stream, free of start-up and warm-up (the heap
// figure is noisier: the gateway collects garbage when it likes). About 20 s; no CPU load to speak of.
// Env: STREAM_STEP (default 250), STREAM_CACHE (`off` default, or `memory`: every stream is also a
// cache leader accumulating its answer). Writes bench/results/stream-memory.json.

import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setMaxListeners } from 'node:events'
import { Agent, request } from 'undici'
import { createSimulator } from '../src/simulator/server.js'
import { startGatewayProcess } from '../test/helpers/gateway-process.js'
import { rssBytes } from './peer.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STEP = Number(process.env.STREAM_STEP ?? 250)
const CACHE = process.env.STREAM_CACHE === 'memory' ? 'memory' : 'off'
const ROUNDS = 3
const OUTPUT_TOKENS = 80
const EVENT_DELAY_MS = 500

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function heapUsed (url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((candidate) => candidate.startsWith('nodejs_heap_size_used_bytes '))
  return Number(line?.split(' ')[1] ?? 0)
}

/** Least-squares slope of `field` over the number of open streams. */
function slope (points: Array<{ streams: number; rss: number; heap: number }>, field: 'rss' | 'heap'): number {
  const meanX = points.reduce((sum, p) => sum + p.streams, 0) / points.length
  const meanY = points.reduce((sum, p) => sum + p[field], 0) / points.length
  const num = points.reduce((sum, p) => sum + (p.streams - meanX) * (p[field] - meanY), 0)
  const den = points.reduce((sum, p) => sum + (p.streams - meanX) ** 2, 0)
  return den === 0 ? 0 : num / den
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-stream-memory-'))
  const policy = join(dir, 'gateway.yaml')
  await writeFile(policy, CACHE === 'off' ? 'cache: { mode: off }\n' : 'cache: { mode: all, ttl: 10m }\n')
  const sim = await createSimulator({ record: false })
  const gateway = await startGatewayProcess({ ANTHROPIC_UPSTREAM_URL: sim.url, GATEWAY_CONFIG: policy, LOG_LEVEL: 'warn' })
  const pid = gateway.child.pid ?? 0
  const agent = new Agent({ connections: null, keepAliveTimeout: 60_000 })
  const abort = new AbortController()
  setMaxListeners(0, abort.signal)
  let flowing = 0
  let n = 0
  const open = (): void => {
    void request(`${gateway.url}/v1/messages`, {
      method: 'POST',
      dispatcher: agent,
      signal: abort.signal,
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-bench', 'x-sim-event-delay-ms': String(EVENT_DELAY_MS), 'x-sim-output-tokens': String(OUTPUT_TOKENS) },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 256, stream: true, messages: [{ role: 'user', content: `stream ${++n}: ${'Where is my order? '.repeat(60)}` }] })
    }).then(async (res) => {
      let first = true
      for await (const _chunk of res.body) {
        if (first) { flowing++; first = false }
      }
    }).catch(() => {})
  }
  const sample = async (): Promise<{ streams: number; rss: number; heap: number }> => {
    await sleep(1500)
    return { streams: flowing, rss: rssBytes(pid), heap: await heapUsed(gateway.url) }
  }
  try {
    // Warm up: JIT, pools, the first allocations of every kind.
    for (let i = 0; i < 20; i++) open()
    while (flowing < 20) await sleep(50)
    const samples = [await sample()]
    for (let round = 0; round < ROUNDS; round++) {
      const target = flowing + STEP
      for (let i = 0; i < STEP; i++) open()
      const deadline = Date.now() + 15_000
      while (flowing < target && Date.now() < deadline) await sleep(50)
      samples.push(await sample())
    }
    const measured = samples.slice(1)
    const perStream = { rssBytes: Math.round(slope(measured, 'rss')), heapBytes: Math.round(slope(measured, 'heap')) }
    const result = { date: new Date().toISOString(), node: process.version, cache: CACHE, step: STEP, rounds: ROUNDS, outputTokens: OUTPUT_TOKENS, samples, perStream }
    process.stdout.write(`cache ${CACHE}: ${samples.map((s) => `${s.streams} streams: RSS ${(s.rss / 2 ** 20).toFixed(1)} MiB, heap ${(s.heap / 2 ** 20).toFixed(1)} MiB`).join('; ')}\n`)
    process.stdout.write(`per in-flight stream: RSS ${(perStream.rssBytes / 1024).toFixed(1)} KiB, V8 heap ${(perStream.heapBytes / 1024).toFixed(1)} KiB\n`)
    await mkdir(join(ROOT, 'bench/results'), { recursive: true })
    const path = join(ROOT, 'bench/results/stream-memory.json')
    let previous: Record<string, unknown> = {}
    try { previous = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> } catch { /* first run */ }
    await writeFile(path, JSON.stringify({ ...previous, [`cache_${CACHE}`]: result }, null, 2) + '\n')
  } finally {
    abort.abort()
    await agent.destroy()
    gateway.child.kill('SIGKILL')
    await gateway.exited
    await sim.close()
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
