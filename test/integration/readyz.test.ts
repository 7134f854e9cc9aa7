// Issue 16 (item 16): /readyz reports whether the upstream is reachable, from recent traffic or,
// when idle, a TCP connect probe, without flapping; it stays 200 (a replica cannot fix a shared
// upstream).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import { freePort } from '../helpers/gateway-process.js'

interface Ready {
  status: string
  upstream: string
  upstream_reachability: { state: string; since: string | null; checked_at: string | null; last_error: string | null }
}

async function readyz (url: string): Promise<{ status: number; body: Ready }> {
  const res = await request(`${url}/readyz`)
  return { status: res.statusCode, body: await res.body.json() as Ready }
}

async function untilState (url: string, state: string): Promise<Ready> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const { body } = await readyz(url)
    if (body.upstream_reachability.state === state) return body
    if (Date.now() > deadline) throw new Error(`upstream never became ${state}: ${JSON.stringify(body)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const MESSAGE = JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-ready', 'anthropic-version': '2023-06-01' }

async function send (url: string): Promise<number> {
  const res = await request(`${url}/v1/messages`, { method: 'POST', headers: HEADERS, body: MESSAGE })
  await res.body.dump()
  return res.statusCode
}

test('from traffic: failed connects make the upstream unreachable (readyz stays 200); it takes two answers in a row to come back', async () => {
  const port = await freePort()
  const gw = await startGateway({ upstreamUrl: `http://127.0.0.1:${port}`, deps: { upstreamProbeAfterMs: 3_600_000 } })
  let sim: Awaited<ReturnType<typeof createSimulator>> | null = null
  try {
    for (let i = 0; i < 3; i++) assert.equal(await send(gw.url), 502)
    const down = await readyz(gw.url)
    assert.equal(down.status, 200, 'still ready: a replica cannot fix the upstream')
    assert.equal(down.body.status, 'ready')
    assert.equal(down.body.upstream_reachability.state, 'unreachable')
    assert.match(down.body.upstream_reachability.last_error ?? '', /ECONNREFUSED/)

    sim = await createSimulator({ port })
    assert.equal(await send(gw.url), 200)
    assert.equal((await readyz(gw.url)).body.upstream_reachability.state, 'unreachable', 'one answer is not enough: no flapping')
    assert.equal(await send(gw.url), 200)
    const up = await readyz(gw.url)
    assert.equal(up.body.upstream_reachability.state, 'reachable')
    assert.equal(up.body.upstream_reachability.last_error, null)
  } finally {
    await gw.close()
    await sim?.close()
  }
})

test('when idle: readyz probes the upstream with a TCP connect, in the background', async () => {
  const port = await freePort()
  const gw = await startGateway({ upstreamUrl: `http://127.0.0.1:${port}`, deps: { upstreamProbeAfterMs: 0 } })
  let sim: Awaited<ReturnType<typeof createSimulator>> | null = null
  try {
    const first = await readyz(gw.url)
    assert.equal(first.body.upstream_reachability.state, 'unknown', 'readyz does not wait for its probe')
    const down = await untilState(gw.url, 'unreachable')
    assert.match(down.upstream_reachability.last_error ?? '', /ECONNREFUSED/)
    sim = await createSimulator({ port })
    const up = await untilState(gw.url, 'reachable')
    assert.notEqual(up.upstream_reachability.since, null)
    assert.equal(sim.requests.length, 0, 'a probe sends no request')
  } finally {
    await gw.close()
    await sim?.close()
  }
})
