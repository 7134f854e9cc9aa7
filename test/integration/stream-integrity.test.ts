// Issue 16 (item 15): what a client receives when the upstream's answer is not whole. A stream
// cut short (no message_stop) ends with an `event: error` the SDK raises; a connection reset after
// message_stop is a complete stream (no error appended); a 200 whose body is not JSON becomes
// 502 TL_ERR_UPSTREAM_PROTOCOL.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

let sim: Simulator
let gw: StartedGateway
let client: Anthropic

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: 'cache: { mode: all }', cache: 'memory' })
  client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-streams', maxRetries: 0 })
})

after(async () => {
  await gw.close()
  await sim.close()
})

let n = 0
const ask = () => ({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user' as const, content: `stream ${++n}` }] })

/** The raw SSE text the gateway sends for a streamed request with the given simulator headers. */
async function rawStream (headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await request(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-streams', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify({ ...ask(), stream: true })
  })
  return { status: res.statusCode, text: await res.body.text() }
}

test('a stream that ends cleanly before message_stop ends with an event: error the SDK raises', async () => {
  const raw = await rawStream({ 'x-sim-truncate-after-events': '4' })
  assert.equal(raw.status, 200)
  assert.doesNotMatch(raw.text, /event: message_stop/)
  assert.match(raw.text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"The upstream stream ended before message_stop\."\}\}\n\n$/)

  const stream = client.messages.stream(ask(), { headers: { 'x-sim-truncate-after-events': '4' } })
  const err = await stream.finalMessage().catch((e: unknown) => e)
  assert.ok(err instanceof Anthropic.APIError, `the SDK raises: ${String(err)}`)
  assert.match(String(err), /ended before message_stop/)
  assert.equal(gw.outcomes.at(-1)?.upstreamErrorType, 'stream_truncated')
  assert.match(await gw.scrape(), /llm_gateway_upstream_errors_total\{[^}]*error_type="stream_truncated",code="stream_error"\} [1-9]/)
})

test('a cut stream is never stored: the same request goes upstream again', async () => {
  const body = ask()
  const headers = { 'x-sim-truncate-after-events': '4', 'x-gateway-cache': 'on' }
  await client.messages.stream(body, { headers }).finalMessage().catch(() => null)
  const before = sim.requests.length
  const { response } = await client.messages.create(body, { headers: { 'x-gateway-cache': 'on' } }).withResponse()
  assert.equal(response.headers.get('x-gateway-cache'), 'miss')
  assert.equal(sim.requests.length, before + 1)
})

test('a connection reset after message_stop is a complete stream: no error appended, and it may be stored', async () => {
  const raw = await rawStream({ 'x-sim-reset-after-events': '1000' })
  assert.equal(raw.status, 200)
  assert.match(raw.text, /event: message_stop\ndata: [^\n]*\n\n$/, 'the stream ends with message_stop')
  assert.doesNotMatch(raw.text, /event: error/)

  const body = ask()
  const message = await client.messages.stream(body, { headers: { 'x-sim-reset-after-events': '1000', 'x-gateway-cache': 'on' } }).finalMessage()
  assert.equal(message.stop_reason, 'end_turn')
  assert.equal(gw.outcomes.at(-1)?.upstreamErrorType, null)
  const { response } = await client.messages.create(body, { headers: { 'x-gateway-cache': 'on' } }).withResponse()
  assert.equal(response.headers.get('x-gateway-cache'), 'hit', 'the complete stream was stored')
})

test('a reset mid-stream still ends with the connection-lost event: error', async () => {
  const raw = await rawStream({ 'x-sim-reset-after-events': '3' })
  assert.match(raw.text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"The upstream connection was lost mid-stream\."\}\}\n\n$/)
  assert.equal(gw.outcomes.at(-1)?.upstreamErrorType, 'stream_error')
})

for (const cached of [false, true]) {
  test(`a 200 whose body is not JSON becomes 502 TL_ERR_UPSTREAM_PROTOCOL (${cached ? 'cacheable' : 'uncached'} request)`, async () => {
    const headers: Record<string, string> = { 'x-sim-invalid-json': '1', 'x-gateway-cache': cached ? 'on' : 'off' }
    const err = await client.messages.create(ask(), { headers }).catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.InternalServerError, String(err))
    assert.equal(err.status, 502)
    assert.match(String(err), /not a JSON object/)
    const outcome = gw.outcomes.at(-1)
    assert.equal(outcome?.status, 502)
    assert.equal(outcome?.upstreamErrorType, 'protocol_error')
  })
}
