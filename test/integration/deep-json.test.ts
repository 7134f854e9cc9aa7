// A body nested 10 000 levels deep is the client's mistake: 400 invalid_request_error with
// x-should-retry: false on every route that reads JSON, never a retryable 500 from a stack overflow
// in the cache key, the estimate or explain.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

let sim: Simulator
let gw: StartedGateway
/** Explain is an admin surface. */
const ADMIN_TOKEN = 'adm-deep'

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, cache: 'memory', policyYaml: 'cache: { mode: all }', deps: { adminToken: ADMIN_TOKEN } })
})

after(async () => {
  await gw.close()
  await sim.close()
})

const DEEP = '['.repeat(10_000) + ']'.repeat(10_000)
const message = (input: string): string =>
  `{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"deep":${input}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`

const ROUTES: Array<[string, string]> = [
  ['/v1/messages', message(DEEP)],
  ['/v1/messages/count_tokens', message(DEEP).replace('"max_tokens":16,', '')],
  ['/v1/messages/batches', `{"requests":[{"custom_id":"a","params":${message(DEEP)}}]}`],
  ['/v1/gateway/explain', message(DEEP)]
]

for (const [path, body] of ROUTES) {
  test(`10 000-deep JSON on ${path} → 400 invalid_request_error, not retryable; nothing forwarded`, async () => {
    sim.reset()
    const res = await request(`${gw.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', authorization: `Bearer ${ADMIN_TOKEN}` } })
    const json = await res.body.json() as { type: string; error: { type: string; message: string } }
    assert.equal(res.statusCode, 400, JSON.stringify(json))
    assert.deepEqual([json.type, json.error.type], ['error', 'invalid_request_error'])
    assert.match(json.error.message, /deeper than 128/)
    assert.equal(res.headers['x-should-retry'], 'false')
    assert.equal(sim.requests.length, 0)
  })
}

test('128 levels are still served (the limit is not in the way of real bodies)', async () => {
  const res = await request(`${gw.url}/v1/messages`, { method: 'POST', body: message('['.repeat(120) + ']'.repeat(120)), headers: { 'content-type': 'application/json', 'x-api-key': 'k' } })
  await res.body.text()
  assert.equal(res.statusCode, 200)
})
