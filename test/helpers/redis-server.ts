// A real redis-server of the test's own on a free port (never the machine's 6379), which the test
// can kill and start again on the same port.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { freePort } from './gateway-process.js'

export interface TestRedis {
  url: string
  port: number
  start: () => Promise<void>
  kill: () => Promise<void>
  stop: () => Promise<void>
}

async function waitReady (port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() !== 'PONG') {
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`)
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
}

export async function startRedis (): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    await waitReady(port, 10_000)
  }
  const kill = async (): Promise<void> => {
    const running = child
    child = null
    if (running === null || running.exitCode !== null) return
    await new Promise<void>((resolve) => { running.once('exit', () => resolve()); running.kill('SIGKILL') })
  }
  await start()
  return { url: `redis://127.0.0.1:${port}`, port, start, kill, stop: kill }
}
