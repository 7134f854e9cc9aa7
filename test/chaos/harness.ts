// Edge. What the chaos scenarios run against: the project's simulator (in this process), a real
// redis-server the harness can kill, pause (SIGSTOP) and resume, and the real gateway (src/main.ts)
// as a child process, so that a crash is an exit we can see and its memory is its own. Loopback only.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { freePort, startGatewayProcess } from '../helpers/gateway-process.js'
import type { GatewayProcess } from '../helpers/gateway-process.js'

export interface ChaosRedis {
  url: string
  start (): Promise<void>
  kill (): Promise<void>
  pause (): void
  resume (): void
}

async function startChaosRedis (): Promise<ChaosRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const ready = async (): Promise<void> => {
    const deadline = Date.now() + 10_000
    while (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() !== 'PONG') {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`)
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
  }
  const redis: ChaosRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start () {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      await ready()
    },
    async kill () {
      const running = child
      child = null
      if (running === null || running.exitCode !== null) return
      running.kill('SIGCONT')
      await new Promise<void>((resolve) => { running.once('exit', () => resolve()); running.kill('SIGKILL') })
    },
    pause () { child?.kill('SIGSTOP') },
    resume () { child?.kill('SIGCONT') }
  }
  await redis.start()
  return redis
}

/** The chaos policy: short upstream timeouts so hangs resolve within the run; a fallback chain for the 529 storm. */
export const HEALTHY_MODEL = 'claude-haiku-4-5'
export const FAULT_MODEL = 'claude-opus-4-7'
export const STORM_PRIMARY = 'claude-opus-4-6'
export const STORM_FALLBACK = 'claude-haiku-4-5'

export function chaosPolicy (variant: number): string {
  return `
upstream:
  headers_timeout: 3s
  body_timeout: 3s
  connect_timeout: 2s
  fallback_retry_budget: 0ms
  circuit_breaker: { min_failures: 5, failure_ratio: 0.5, window: 10s, cool_down: 2s }
  retry_budget: { ratio: 0.5, min_per_window: 50, window: 10s }
cache: { mode: deterministic, lock_wait: 2s }
virtual_models:
  - { id: claude-storm }
  - { id: claude-variant-${variant % 2} }
routes:
  - name: storm
    match: { model: claude-storm }
    action: { model: ${STORM_PRIMARY}, fallback: [${STORM_FALLBACK}] }
  - name: variant-${variant}
    match: { model: claude-variant-${variant % 2} }
    action: { model: ${HEALTHY_MODEL} }
`
}

export interface ChaosGateway {
  url: string
  pid: number
  /** Set when the process exited without being asked to. */
  crashed: () => { code: number | null; output: string } | null
  stop: () => Promise<number | null>
  signal: (signal: NodeJS.Signals) => void
  exited: Promise<number | null>
  output: () => string
}

export interface Harness {
  sim: Simulator
  redis: ChaosRedis
  policyPath: string
  gateway: ChaosGateway
  /** Writes the policy file atomically (rename over it), as an editor or a ConfigMap update does. */
  writePolicy (text: string): void
  /** Starts a new gateway process (after a crash or a SIGTERM scenario). */
  restartGateway (): Promise<void>
  close (): Promise<void>
}

export const GATEWAY_ENV = {
  LOG_LEVEL: 'error',
  SHUTDOWN_TIMEOUT_MS: '20000',
  // Client-side bounds (used once the edge hardening is in; ignored by a gateway without them).
  REQUEST_TIMEOUT_MS: '5000',
  HEADERS_TIMEOUT_MS: '5000',
  BODY_LIMIT_BYTES: String(32 * 1024 * 1024)
}

export async function startHarness (): Promise<Harness> {
  const sim = await createSimulator({ record: false })
  const redis = await startChaosRedis()
  const dir = mkdtempSync(join(tmpdir(), 'thriftline-chaos-'))
  const policyPath = join(dir, 'gateway.yaml')
  let writes = 0
  const writePolicy = (text: string): void => {
    const next = join(dir, `gateway.yaml.${++writes}`)
    writeFileSync(next, text)
    renameSync(next, policyPath)
  }
  writePolicy(chaosPolicy(0))
  const launch = async (): Promise<ChaosGateway> => {
    const proc: GatewayProcess = await startGatewayProcess({ ...GATEWAY_ENV, ANTHROPIC_UPSTREAM_URL: sim.url, REDIS_URL: redis.url, GATEWAY_CONFIG: policyPath })
    let asked = false
    let crash: { code: number | null; output: string } | null = null
    proc.exited.then((code) => { if (!asked) crash = { code, output: proc.output().slice(-4000) } }, () => {})
    return {
      url: proc.url,
      pid: proc.child.pid ?? 0,
      crashed: () => crash,
      stop: async () => { asked = true; return await proc.stop() },
      signal: (signal) => { asked = true; proc.child.kill(signal) },
      exited: proc.exited,
      output: proc.output
    }
  }
  const harness: Harness = {
    sim,
    redis,
    policyPath,
    gateway: await launch(),
    writePolicy,
    async restartGateway () {
      if (harness.gateway.crashed() === null) await harness.gateway.stop()
      harness.gateway = await launch()
    },
    async close () {
      await harness.gateway.stop().catch(() => null)
      await redis.kill()
      await sim.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return harness
}

/** Resident memory of a process now, in bytes (Linux /proc), or 0 when it is gone. */
export function rssBytes (pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match === null ? 0 : Number(match[1]) * 1024
  } catch {
    return 0
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the peak seen. */
export function sampleRss (pid: () => number): { stop: () => number } {
  let peak = rssBytes(pid())
  const timer = setInterval(() => { peak = Math.max(peak, rssBytes(pid())) }, 100)
  return { stop: () => { clearInterval(timer); return Math.max(peak, rssBytes(pid())) } }
}
