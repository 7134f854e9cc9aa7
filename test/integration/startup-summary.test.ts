// Start-up prints one summary line (version, listen address, upstream with credentials redacted,
// policy file and route count, cache backend, metrics endpoint) and exactly one "Server listening"
// line. On 0.0.0.0 Fastify alone logs one such line per interface address, which is the case this
// covers: the process binds 0.0.0.0 for about a second, and only 127.0.0.1 is ever contacted.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { startGatewayProcess } from '../helpers/gateway-process.js'

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

async function waitFor (predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
}

test('one start-up summary line, one "Server listening" line, no credentials', async () => {
  const gw = await startGatewayProcess({
    HOST: '0.0.0.0',
    LOG_LEVEL: 'info',
    // Never contacted: the summary only names it.
    ANTHROPIC_UPSTREAM_URL: 'http://proxy-user:proxy-s3cret@127.0.0.1:9/anthropic',
    METRICS_TOKEN: 'metrics-s3cret'
  })
  try {
    await waitFor(() => gw.output().includes('Server listening'), 5000)
    // Give any further listen lines the chance to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const lines = gw.output().split('\n').filter((line) => line.includes('Server listening'))
    assert.equal(lines.length, 1, gw.output())
    const entry = JSON.parse(lines[0] as string) as Record<string, unknown>
    const port = new URL(gw.url).port
    assert.equal(entry.version, VERSION)
    assert.equal(entry.listen, `http://0.0.0.0:${port}`)
    assert.equal(entry.upstream, 'http://***:***@127.0.0.1:9/anthropic')
    assert.equal(entry.policy, 'config/gateway.yaml')
    assert.equal(entry.routes, 2)
    assert.equal(entry.cache, 'memory (64 MiB), mode deterministic')
    assert.equal(entry.metrics, `http://0.0.0.0:${port}/metrics (bearer token required)`)
    assert.equal(entry.msg, `Server listening at http://0.0.0.0:${port}: thriftline ${VERSION}, upstream http://***:***@127.0.0.1:9/anthropic, policy config/gateway.yaml (2 routes), cache memory (64 MiB), mode deterministic, metrics http://0.0.0.0:${port}/metrics (bearer token required)`)
    assert.doesNotMatch(gw.output(), /s3cret/)
  } finally {
    await gw.stop()
  }
})
