// Issue 2 acceptance for the process: graceful shutdown and start-up errors.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { freePort, runGatewayExpectingFailure, startGatewayProcess } from '../helpers/gateway-process.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'

let sim: Simulator

before(async () => { sim = await createSimulator() })
after(async () => { await sim.close() })

test('SIGTERM during 20 slow streams: all 20 complete, then the process exits 0', async () => {
  const gw = await startGatewayProcess({ ANTHROPIC_UPSTREAM_URL: sim.url })
  try {
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0 })
    const headers = { 'x-sim-event-delay-ms': '50', 'x-sim-output-tokens': '20' }
    const started: Promise<void>[] = []
    const finals = Array.from({ length: 20 }, () => {
      const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'slow' }] }, { headers })
      started.push(new Promise((resolve) => stream.once('text', () => resolve())))
      return stream.finalMessage()
    })
    await Promise.all(started)
    gw.child.kill('SIGTERM')
    const messages = await Promise.all(finals)
    assert.equal(messages.length, 20)
    for (const message of messages) assert.equal(message.stop_reason, 'end_turn')
    assert.equal(await gw.exited, 0)
  } finally {
    await gw.stop()
  }
})

test('an invalid environment variable stops start-up with one line naming it', async () => {
  const { code, output } = await runGatewayExpectingFailure({ PORT: 'eighty' })
  assert.equal(code, 1)
  assert.match(output, /PORT: "eighty" is not a port number/)
  assert.equal(output.trim().split('\n').length, 1)
})

test('an invalid policy stops start-up with file, path and reason for each issue', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-'))
  try {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, 'routes:\n  - name: x\n    match: { system_matches: "classif(" }\n    action: { model: claude-haiku-4.5, weight: 3 }\n')
    const { code, output } = await runGatewayExpectingFailure({ GATEWAY_CONFIG: file })
    assert.equal(code, 1)
    assert.match(output, /bad\.yaml: routes\[0\]\.match\.system_matches: invalid regular expression/)
    assert.match(output, /bad\.yaml: routes\[0\]\.action\.model: unknown model "claude-haiku-4\.5"/)
    assert.match(output, /bad\.yaml: routes\[0\]\.action\.weight: unknown key/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('METRICS_PORT serves /metrics on its own port behind METRICS_TOKEN', async () => {
  const metricsPort = await freePort()
  const gw = await startGatewayProcess({ ANTHROPIC_UPSTREAM_URL: sim.url, METRICS_PORT: String(metricsPort), METRICS_TOKEN: 's3cret' })
  try {
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0 })
    await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
    const onMain = await fetch(`${gw.url}/metrics`)
    assert.equal(onMain.status, 404, 'not on the public port')
    const noToken = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    assert.equal(noToken.status, 401)
    assert.equal(((await noToken.json()) as { error: { type: string } }).error.type, 'authentication_error')
    const ok = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: 'Bearer s3cret' } })
    assert.equal(ok.status, 200)
    const text = await ok.text()
    assert.match(text, /llm_gateway_requests_total\{route="messages",requested_model="claude-haiku-4-5"/)
    assert.match(text, /process_cpu_user_seconds_total/)
  } finally {
    await gw.stop()
  }
})

test('a port already in use stops start-up with one line, no stack', async () => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  const address = blocker.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  try {
    const { code, output } = await runGatewayExpectingFailure({ PORT: String(port), ANTHROPIC_UPSTREAM_URL: sim.url })
    assert.equal(code, 1)
    assert.match(output, /^thriftline: failed to start: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/m)
    assert.equal(output.trim().split('\n').length, 1, output)
    assert.doesNotMatch(output, /\n\s+at /)
  } finally {
    await new Promise((resolve) => blocker.close(resolve))
  }
})

test('a password in an upstream URL never leaves the process: not in start-up errors, not in /readyz', async () => {
  const badEnv = await runGatewayExpectingFailure({ ANTHROPIC_UPSTREAM_URL: 'ftp://ops:s3cret-env@proxy.example' })
  assert.equal(badEnv.code, 1)
  assert.match(badEnv.output, /ANTHROPIC_UPSTREAM_URL: "ftp:\/\/\*\*\*:\*\*\*@proxy\.example" must be an http\(s\) URL/)
  assert.doesNotMatch(badEnv.output, /s3cret/)

  const dir = await mkdtemp(join(tmpdir(), 'thriftline-'))
  try {
    const file = join(dir, 'bad-url.yaml')
    await writeFile(file, 'upstream: { url: "ftp://ops:s3cret-file@proxy.example" }\n')
    const badFile = await runGatewayExpectingFailure({ GATEWAY_CONFIG: file })
    assert.equal(badFile.code, 1)
    assert.match(badFile.output, /upstream\.url: "ftp:\/\/\*\*\*:\*\*\*@proxy\.example" must be an http\(s\) URL/)
    assert.doesNotMatch(badFile.output, /s3cret/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }

  const withUserinfo = sim.url.replace('http://', 'http://ops:s3cret-ready@')
  const gw = await startGatewayProcess({ ANTHROPIC_UPSTREAM_URL: withUserinfo, LOG_LEVEL: 'info' })
  try {
    const ready = await fetch(`${gw.url}/readyz`)
    const text = await ready.text()
    assert.equal(ready.status, 200)
    assert.match(text, /"upstream":"http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+"/)
    assert.doesNotMatch(text, /s3cret/)
    assert.doesNotMatch(gw.output(), /s3cret/)
  } finally {
    await gw.stop()
  }
})
