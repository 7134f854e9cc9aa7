// `Expect: 100-continue` (curl sends it by itself for bodies above 1 MB): the gateway answers the
// interim 100 itself and forwards the request without `expect`, which undici refuses to send.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { rawExchange, requestHead } from '../helpers/raw-http.js'

let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url })
})

after(async () => {
  await gw.close()
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
