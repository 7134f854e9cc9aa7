// Issue 16 (item 12): metrics that say what happened. A user's cancellation is not a 5xx, hops
// walked before a failure are counted, probes and scrapes are not in-flight traffic, every metric
// names a route the same way, an error after a 200 began is not `code="200"`, and count_tokens
// does not claim a cache it does not have.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

const POLICY = `
routes:
  - name: chain
    match: { model: claude-sonnet-4-5, header: { x-chain: "yes" } }
    action: { model: claude-haiku-4-5, fallback: [claude-opus-4-5] }
`

let sim: Simulator
let gw: StartedGateway
let client: Anthropic

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY })
  client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-metrics', maxRetries: 0 })
})

after(async () => {
  await gw.close()
  await sim.close()
})

const ask = { model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user' as const, content: 'hi' }] }

async function until (done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The value of one series in the exposition text, 0 when absent. */
function series (text: string, name: string, labels: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && labelsMatch(line.slice(name.length + 1, line.indexOf('}')), labels)) return Number(line.slice(line.indexOf('}') + 2))
  }
  return 0
}

function labelsMatch (have: string, want: string): boolean {
  return want.split(',').every((pair) => have.split(',').includes(pair))
}

test('a client that cancels before the answer headers is counted as 499 (4xx), not 5xx, and not as an upstream error', async () => {
  const recorded = gw.outcomes.length
  const controller = new AbortController()
  const pending = request(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-metrics', 'anthropic-version': '2023-06-01', 'x-sim-latency-ms': '5000' },
    body: JSON.stringify(ask),
    signal: controller.signal
  })
  await until(() => sim.requests.length > 0 && sim.requests.at(-1)?.headers['x-sim-latency-ms'] === '5000', 'the request to reach the upstream')
  controller.abort()
  await assert.rejects(pending)
  await until(() => gw.outcomes.length > recorded, 'the outcome')
  const outcome = gw.outcomes.at(-1)
  assert.equal(outcome?.status, 499)
  assert.equal(outcome?.upstreamErrorType, 'client_closed')
  const text = await gw.scrape()
  assert.equal(series(text, 'llm_gateway_requests_total', 'route="messages",status_class="5xx"'), 0, 'no 5xx')
  assert.equal(series(text, 'llm_gateway_requests_total', 'route="messages",status_class="4xx"'), 1)
  assert.doesNotMatch(text, /llm_gateway_upstream_errors_total\{[^}]*\} [1-9]/, 'not an upstream error')
})

test('when the last fallback fails to connect, the hops before it are still counted', async () => {
  sim.setModelBehaviour('claude-haiku-4-5', { status: 529 })
  sim.setModelBehaviour('claude-opus-4-5', { hang: 'reset' })
  try {
    const err = await client.messages.create({ ...ask, model: 'claude-sonnet-4-5' }, { headers: { 'x-chain': 'yes' } }).catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.APIError)
    assert.equal(err.status, 502)
    const outcome = gw.outcomes.at(-1)
    assert.deepEqual(outcome?.fallbacks, [{ from: 'claude-haiku-4-5', to: 'claude-opus-4-5', status: 529 }])
    const text = await gw.scrape()
    assert.equal(series(text, 'llm_gateway_fallbacks_total', 'from="claude-haiku-4-5",to="claude-opus-4-5",reason="529"'), 1)
  } finally {
    sim.setModelBehaviour('claude-haiku-4-5', null)
    sim.setModelBehaviour('claude-opus-4-5', null)
  }
})

test('the in-flight gauge counts client requests by the route name every metric uses; probes and scrapes are not in flight', async () => {
  await request(`${gw.url}/readyz`).then((res) => res.body.dump())
  await request(`${gw.url}/healthz`).then((res) => res.body.dump())
  const slow = client.messages.create(ask, { headers: { 'x-sim-latency-ms': '400' } })
  await until(() => sim.requests.some((r) => r.headers['x-sim-latency-ms'] === '400'), 'the slow request upstream')
  const during = await (await request(`${gw.url}/metrics`)).body.text()
  await slow
  assert.equal(series(during, 'llm_gateway_inflight_requests', 'route="messages"'), 1)
  assert.doesNotMatch(during, /llm_gateway_inflight_requests\{route="\//, 'no path-style route values')
  assert.doesNotMatch(during, /llm_gateway_inflight_requests\{route="(metrics|readyz|healthz|other)"\} [1-9]/, 'the scrape itself is not in flight')
  const ROUTE_NAMES = ['messages', 'count_tokens', 'models', 'batches', 'files', 'passthrough', 'explain', 'other']
  for (const match of during.matchAll(/llm_gateway_(?:inflight_requests|requests_total|request_duration_seconds_count)\{route="([^"]+)"/g)) {
    assert.ok(ROUTE_NAMES.includes(match[1] ?? ''), `route="${match[1] ?? ''}" is one of the route names`)
  }
})

test('an error after a 200 began streaming is counted with code="stream_error", not code="200"', async () => {
  const stream = client.messages.stream(ask, { headers: { 'x-sim-error-after-events': '3' } })
  await assert.rejects(stream.finalMessage())
  await until(() => gw.outcomes.at(-1)?.upstreamErrorType === 'overloaded_error', 'the outcome')
  const text = await gw.scrape()
  assert.equal(series(text, 'llm_gateway_upstream_errors_total', 'error_type="overloaded_error",code="stream_error"'), 1)
  assert.doesNotMatch(text, /llm_gateway_upstream_errors_total\{[^}]*code="200"/)
})

test('count_tokens answers claim nothing about a cache', async () => {
  const { response } = await client.messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('x-gateway-cache'), null)
  assert.equal(response.headers.get('x-gateway-model'), 'claude-haiku-4-5')
})
