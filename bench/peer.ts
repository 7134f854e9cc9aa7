// Starts and stops the processes under test, each pinned to core 1 when taskset exists (the load
// generator, the simulator and Redis share core 0), and reads their CPU time and memory from /proc.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { BenchPolicies } from './policies.js'
import { freePort } from '../test/helpers/gateway-process.js'

export interface Peer {
  name: string
  url: string
  pid: number
  children: ChildProcess[]
}

const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0
const CLK_TCK = 100

/** Pins this process, every thread of it, to `core`: the load generator runs in-process. */
export function pinSelf (core: number): void {
  if (HAS_TASKSET) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' })
}

function launch (core: number, command: string, args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  const [file, argv] = HAS_TASKSET ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]
  return spawn(file, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
}

async function waitForHttp (url: string, path: string): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      const res = await fetch(url + path)
      await res.arrayBuffer()
      return
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not start`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function waitForRedis (port: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() !== 'PONG') {
    if (Date.now() > deadline) throw new Error('redis-server did not start')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function startPeer (name: string, options: { root: string; policies: BenchPolicies; upstream?: string; env?: Record<string, string> }): Promise<Peer> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const node = process.execPath
  const children: ChildProcess[] = []
  if (name === 'simulator') {
    children.push(launch(0, node, ['--import', 'tsx', 'src/simulator/main.ts'], { PORT: String(port), HOST: '127.0.0.1' }, options.root))
    await waitForHttp(url, '/v1/models')
  } else if (name === 'bare' || name === 'json' || name === 'fastify') {
    const script = `bench/${name}-proxy.ts`
    children.push(launch(1, node, ['--import', 'tsx', script], { PORT: String(port), UPSTREAM: options.upstream ?? '', ...options.env }, options.root))
    await waitForHttp(url, '/v1/models')
  } else {
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      ANTHROPIC_UPSTREAM_URL: options.upstream ?? '',
      LOG_LEVEL: 'warn',
      GATEWAY_CONFIG: name === 'thriftline-miss' ? options.policies.miss : options.policies.hit,
      ...options.env
    }
    if (name === 'thriftline-hit-redis') {
      const redisPort = await freePort()
      children.push(launch(0, 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, options.root))
      await waitForRedis(redisPort)
      env.REDIS_URL = `redis://127.0.0.1:${redisPort}`
    }
    children.push(launch(1, node, ['--import', 'tsx', 'src/main.ts'], env, options.root))
    await waitForHttp(url, '/healthz')
  }
  const main = children.at(-1)
  if (main?.pid === undefined) throw new Error(`${name} did not spawn`)
  return { name, url, pid: main.pid, children }
}

export async function stopPeer (peer: Peer): Promise<void> {
  await Promise.all(peer.children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 5000).unref()
  })))
}

/** User + system CPU time of the process, in microseconds. */
export function cpuMicros (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / CLK_TCK)
}

function statusField (pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024
}

export const peakRssBytes = (pid: number): number => statusField(pid, 'VmHWM')
export const rssBytes = (pid: number): number => statusField(pid, 'VmRSS')
