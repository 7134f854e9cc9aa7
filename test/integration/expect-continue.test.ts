// `Expect: 100-continue` (curl sends it by itself for bodies above 1 MB): the gateway answers the
// interim 100 itself and forwards the request without `expect`, which undici refuses to send. A
// body declared larger than it will accept is refused at once, without the 100: never uploaded.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { rawExchange, requestHead } from '../helpers/raw-http.js'
import { BATCH_BODY_LIMIT_BYTES } from '../../src/server/routes/batches.js'

let sim: Simulator
let gw: StartedGateway
/** A 10 kB Messages limit and a 4 kB body budget. */
let small: StartedGateway

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url })
  small = await startGateway({ upstreamUrl: sim.url, deps: { bodyLimitBytes: 10_000, bodyBudgetBytes: 4000 } })
})

after(async () => {
  await gw.close()
  await small.close()
  await sim.close()
})

const MESSAGE = { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }

const ROUTES: Array<{ name: string; path: string; body: string; contentType: string }> = [
  { name: 'messages', path: '/v1/messages', body: JSON.stringify(MESSAGE), contentType: 'application/json' },
  { name: 'streamed messages', path: '/v1/messages', body: JSON.stringify({ ...MESSAGE, stream: true }), contentType: 'application/json' },
  { name: 'count_tokens', path: '/v1/messages/count_tokens', body: JSON.stringify({ model: MESSAGE.model, messages: MESSAGE.messages }), contentType: 'application/json' },
  { name: 'batches', path: '/v1/messages/batches', body: JSON.stringify({ requests: [{ custom_id: 'a', params: MESSAGE }] }), contentType: 'application/json' },
  { name: 'a streamed passthrough upload (files)', path: '/v1/files', body: '--b\r\ncontent-disposition: form-data; name="file"; filename="a.txt"\r\ncontent-type: text/plain\r\n\r\nhello\r\n--b--\r\n', contentType: 'multipart/form-data; boundary=b' }
]

for (const route of ROUTES) {
  test(`Expect: 100-continue on ${route.name}: 100 Continue, then the upstream's answer; upstream never sees expect`, async () => {
    sim.reset()
    const res = await rawExchange(gw.url, requestHead('POST', route.path, {
      'content-type': route.contentType,
      'content-length': Buffer.byteLength(route.body),
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'files-api-2025-04-14',
      expect: '100-continue',
      connection: 'close'
    }), { body: route.body, waitForContinue: true })
    assert.deepEqual(res.statuses, [100, 200], res.text.slice(0, 600))
    assert.equal(sim.requests.length, 1)
    assert.equal(sim.requests[0]?.headers.expect, undefined)
  })
}

const REFUSED: Array<{ name: string; gateway: () => StartedGateway; path: string; declared: number; message: RegExp }> = [
  { name: 'past BODY_LIMIT_BYTES on messages', gateway: () => small, path: '/v1/messages', declared: 10_001, message: /larger than this endpoint accepts \(10000 bytes\)/ },
  { name: 'past the body budget on count_tokens', gateway: () => small, path: '/v1/messages/count_tokens', declared: 4001, message: /larger than the gateway can hold in memory \(4000 bytes\)/ },
  { name: 'past the batch limit', gateway: () => gw, path: '/v1/messages/batches', declared: BATCH_BODY_LIMIT_BYTES + 1, message: /larger than/ }
]

for (const route of REFUSED) {
  test(`Expect: 100-continue with a body ${route.name}: 413 at once, no 100, nothing uploaded, connection closed`, async () => {
    sim.reset()
    const res = await rawExchange(route.gateway().url, requestHead('POST', route.path, {
      'content-type': 'application/json',
      'content-length': route.declared,
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
      expect: '100-continue'
    }), { body: 'x'.repeat(100), waitForContinue: true, timeoutMs: 3000 })
    assert.deepEqual(res.statuses, [413], res.text.slice(0, 600))
    assert.doesNotMatch(res.text, /HTTP\/1\.1 100/)
    assert.equal(res.end, 'closed', 'the gateway closes: bytes the client sends anyway are not the next request')
    assert.equal(res.headers.connection, 'close')
    const body = JSON.parse(res.body) as { type: string; error: { type: string; message: string } }
    assert.deepEqual([body.type, body.error.type], ['error', 'request_too_large'])
    assert.match(body.error.message, route.message)
    assert.equal(sim.requests.length, 0)
  })
}

test('Expect: 100-continue with a body within the smaller limits: 100, then the answer, on a connection kept alive', async () => {
  sim.reset()
  const body = JSON.stringify(MESSAGE)
  const res = await rawExchange(small.url, requestHead('POST', '/v1/messages', {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-api-key': 'k',
    'anthropic-version': '2023-06-01',
    expect: '100-continue'
  }), { body, waitForContinue: true, timeoutMs: 1500 })
  assert.deepEqual(res.statuses, [100, 200], res.text.slice(0, 600))
  assert.notEqual(res.headers.connection, 'close')
  assert.equal(sim.requests.length, 1)
})
