// `npm run bench:stream-cpu`: the gateway's CPU per stream as a function of its length. Sends
// STREAMS short streams (20 text deltas) and STREAMS long ones (400), 50 at a time, to a gateway
// process (cache off) in front of the simulator, and reads the gateway's CPU time from /proc: the
// difference between the two, over the extra deltas, is the cost of one more streamed event, and
// what is left of a short stream is the fixed cost of a request. The simulator paces its events
// (1 ms apart) so each arrives on its own, as a real model's do; sent back to back they would be
// parsed in a few large chunks and look cheaper than they are. About 10 s of load on one core.
// Env: STREAMS (default 300). Writes bench/results/stream-cpu.json.

import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { createSimulator } from '../src/simulator/server.js'
import { startGatewayProcess } from '../test/helpers/gateway-process.js'
import { cpuMicros } from './peer.js'
import { HEADERS, MESSAGE } from './workload.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STREAMS = Number(process.env.STREAMS ?? 300)
const CONCURRENCY = 50
const SHORT = 20
const LONG = 400

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-stream-cpu-'))
  const policy = join(dir, 'gateway.yaml')
  await writeFile(policy, 'cache: { mode: off }\n')
  const sim = await createSimulator({ record: false })
  const gateway = await startGatewayProcess({ ANTHROPIC_UPSTREAM_URL: sim.url, GATEWAY_CONFIG: policy, LOG_LEVEL: 'warn' })
  const pid = gateway.child.pid ?? 0
  const agent = new Agent({ connections: CONCURRENCY })
  const body = JSON.stringify({ ...MESSAGE, model: 'claude-haiku-4-5', stream: true })
  const run = async (tokens: number, count: number): Promise<number> => {
    let left = count
    const worker = async (): Promise<void> => {
      while (left-- > 0) {
        const res = await request(`${gateway.url}/v1/messages`, { method: 'POST', dispatcher: agent, headers: { ...HEADERS, 'x-sim-output-tokens': String(tokens), 'x-sim-event-delay-ms': '1' }, body })
        await res.body.text()
      }
    }
    const before = cpuMicros(pid)
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    return (cpuMicros(pid) - before) / count
  }
  try {
    await run(SHORT, 100) // warm-up: JIT, pools
    const shortMicros = await run(SHORT, STREAMS)
    const longMicros = await run(LONG, STREAMS)
    const perEvent = (longMicros - shortMicros) / (LONG - SHORT)
    const fixed = shortMicros - perEvent * SHORT
    const result = { date: new Date().toISOString(), node: process.version, streams: STREAMS, cpuMicrosPerStream: { [SHORT]: Math.round(shortMicros), [LONG]: Math.round(longMicros) }, cpuMicrosPerEvent: Number(perEvent.toFixed(2)), cpuMicrosFixed: Math.round(fixed) }
    process.stdout.write(`CPU per stream: ${Math.round(shortMicros)} µs at ${SHORT} deltas, ${Math.round(longMicros)} µs at ${LONG}; ${perEvent.toFixed(2)} µs per extra event, ~${Math.round(fixed)} µs fixed\n`)
    await mkdir(join(ROOT, 'bench/results'), { recursive: true })
    await writeFile(join(ROOT, 'bench/results/stream-cpu.json'), JSON.stringify(result, null, 2) + '\n')
  } finally {
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
