// Upstream answers the gateway must not hold whole: a non-streamed answer past
// UPSTREAM_BUFFER_LIMIT_BYTES is relayed as it comes; a streamed answer past the cache's
// max_entry_bytes is relayed whole while reassembly stops; an SSE event past the buffer limit is
// relayed but not parsed. Small limits stand in for the hundreds of megabytes of the real cases.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

const LIMIT = 64 * 1024
let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator({ record: false })
  gw = await startGateway({
    upstreamUrl: sim.url,
    cache: 'memory',
    policyYaml: 'cache: { mode: all, max_entry_bytes: 100000 }\nupstream: { body_timeout: 500ms }',
    deps: { upstreamBufferLimitBytes: LIMIT }
  })
})

after(async () => {
  await gw.close()
  await sim.close()
})

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }
const BIG = { 'x-sim-output-tokens': '4', 'x-sim-chunk-bytes': '100000' }

function body (prompt: string, stream = false): string {
  return JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, stream, messages: [{ role: 'user', content: prompt }] })
}

test('a non-streamed answer past the buffer limit reaches the client whole (relayed, not held)', async () => {
  const client = new Anthropic({ apiKey: 'k', baseURL: gw.url, maxRetries: 0, defaultHeaders: BIG })
  const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'big json' }] })
  const text = message.content[0]?.type === 'text' ? message.content[0].text : ''
  assert.equal(text.length, 400_000)
  // Its usage was never read: the money is counted as unknown, not as zero.
  const scrape = await gw.scrape()
  assert.match(scrape, /llm_gateway_usage_malformed_total\{reason="unread"\} 1\n/)
})

test('a non-streamed answer past the limit is relayed as it arrives: an upstream that stalls half way gets the client the half, not a 504 after it', async () => {
  const res = await request(`${gw.url}/v1/messages`, { method: 'POST', body: body('stalls'), headers: { ...HEADERS, ...BIG, 'x-sim-hang': 'body' } })
  assert.equal(res.statusCode, 200)
  const error = await res.body.text().then(() => null, (err: Error & { code?: string }) => err)
  assert.notEqual(error, null, 'the cut body must not look complete')
})

test('a streamed answer past max_entry_bytes and with events past the buffer limit: relayed whole, no error event, usage counted, not stored', async () => {
  const send = async () => {
    const res = await request(`${gw.url}/v1/messages`, { method: 'POST', body: body('big stream', true), headers: { ...HEADERS, ...BIG } })
    return { cache: res.headers['x-gateway-cache'], text: await res.body.text() }
  }
  const before = gw.outcomes.length
  const first = await send()
  assert.ok(first.text.includes('event: message_stop'), 'complete')
  assert.ok(!first.text.includes('event: error'), 'no error appended')
  assert.equal([...first.text.matchAll(/"text_delta","text":"[^"]{99990,}"/g)].length, 4)
  const outcome = gw.outcomes[before]
  assert.equal(outcome?.usage?.output_tokens, 4)
  assert.equal(outcome?.upstreamErrorType, null)
  const second = await send()
  assert.equal(second.cache, 'miss', 'too large to store')
})

test('a streamed answer within the limits is still stored and replayed', async () => {
  const send = async () => {
    const res = await request(`${gw.url}/v1/messages`, { method: 'POST', body: body('small stream', true), headers: HEADERS })
    await res.body.text()
    return res.headers['x-gateway-cache']
  }
  assert.equal(await send(), 'miss')
  // The store is asynchronous: allow it a moment.
  for (let i = 0; i < 20 && await send() !== 'hit'; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(await send(), 'hit')
})

test('the buffered routes (models, batches) relay an answer past the limit unedited, whole', async (t) => {
  const { createServer } = await import('node:http')
  const models = JSON.stringify({ data: Array.from({ length: 2000 }, (_, i) => ({ type: 'model', id: `m-${i}`, display_name: 'x'.repeat(50) })), has_more: false })
  const upstream = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(models))
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => upstream.close(resolve)))
  const address = upstream.address()
  const own = await startGateway({ upstreamUrl: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, deps: { upstreamBufferLimitBytes: LIMIT } })
  t.after(() => own.close())
  assert.ok(models.length > 2 * LIMIT)
  const res = await request(`${own.url}/v1/models`, { headers: HEADERS })
  assert.equal(res.statusCode, 200)
  assert.equal(await res.body.text(), models)
})
