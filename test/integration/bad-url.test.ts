// A request target Fastify cannot decode is answered in Anthropic's error shape (it was Fastify's
// own {"error":"Bad Request","code":"FST_ERR_BAD_URL"} body), found by the chaos suite.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway } from '../helpers/start-gateway.js'

test('an undecodable URL → 400 invalid_request_error in Anthropic shape', async () => {
  const gw = await startGateway({ upstreamUrl: 'http://127.0.0.1:9' })
  try {
    for (const method of ['GET', 'OPTIONS', 'POST'] as const) {
      const res = await request(`${gw.url}/v1/models/%ff`, { method })
      const body = await res.body.json() as { type: string; error: { type: string; message: string } }
      assert.equal(res.statusCode, 400, method)
      assert.equal(body.type, 'error')
      assert.equal(body.error.type, 'invalid_request_error')
      assert.equal(typeof body.error.message, 'string')
      assert.ok(res.headers['x-gateway-request-id'])
    }
  } finally {
    await gw.close()
  }
})
