// A real Prometheus (the Debian package's binary) on a free loopback port, scraping one target
// every second, in a temporary directory that is removed on stop.

import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './gateway-process.js'

export const HAS_PROMTOOL = spawnSync('promtool', ['--version']).status === 0
export const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0

export interface TestPrometheus {
  url: string
  query: (expr: string) => Promise<{ status: string; error?: string; data?: { result: unknown[] } }>
  stop: () => Promise<void>
}

export async function startPrometheus (target: string, rulesFile?: string): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-prom-'))
  const port = await freePort()
  const config = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    ...(rulesFile === undefined ? [] : [`rule_files: ['${rulesFile}']`]),
    'scrape_configs:',
    '  - job_name: thriftline',
    `    static_configs: [{ targets: ['${target}'] }]`
  ].join('\n')
  await writeFile(join(dir, 'prometheus.yml'), config + '\n')
  const child = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`
  ], { stdio: 'ignore' })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break
    } catch {
      // starting
    }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('prometheus did not start') }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    async query (expr) {
      const res = await fetch(`${url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: expr }) })
      return await res.json() as { status: string; error?: string; data?: { result: unknown[] } }
    },
    async stop () {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM') })
      }
      await rm(dir, { recursive: true, force: true })
    }
  }
}
