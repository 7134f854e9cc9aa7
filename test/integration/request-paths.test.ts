// Path tricks over a raw socket (no HTTP client sends them): dot-segments, written out or encoded,
// are refused with 400 before anything reaches the upstream, so a base path in the upstream URL
// can never be escaped; absolute-form targets are forwarded in origin-form.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { rawExchange, requestHead } from '../helpers/raw-http.js'

/** An upstream behind a base path that answers `{}` to everything and remembers each request target. */
let upstream: Server
const seen: string[] = []
let gw: StartedGateway

before(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.url ?? '')
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[],"has_more":false}'))
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const address = upstream.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  gw = await startGateway({ upstreamUrl: `http://127.0.0.1:${port}/tenant-a/anthropic` })
})

after(async () => {
  await gw.close()
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
})

const ATTACKS: Array<[string, string]> = [
  ['GET', '/v1/../../internal/admin'],
  ['GET', '/v1/messages/../../../internal/admin'],
  ['GET', '/v1/%2e%2e/%2e%2e/internal/admin'],
  ['GET', '/v1/%2E%2e/%2e%2E/internal/admin'],
  ['GET', '/v1/..%2f..%2finternal/admin'],
  ['GET', '/v1/%252e%252e/%252e%252e/internal/admin'],
  ['POST', '/v1/./messages'],
  ['GET', 'http://evil/v1/../../internal/admin'],
  ['OPTIONS', '*']
]

for (const [method, target] of ATTACKS) {
  test(`${method} ${target} → 400 invalid_request_error; nothing reaches the upstream`, async () => {
    seen.length = 0
    const res = await rawExchange(gw.url, requestHead(method, target, { 'x-api-key': 'k', 'content-type': 'application/json', 'content-length': 2, connection: 'close' }), { body: '{}' })
    assert.equal(res.statuses[0], 400, res.text.slice(0, 400))
    const json = JSON.parse(res.body) as { type: string; error: { type: string; message: string } }
    assert.deepEqual([json.type, json.error.type], ['error', 'invalid_request_error'])
    assert.equal(res.headers['x-should-retry'], 'false')
    assert.deepEqual(seen, [])
  })
}

test('an absolute-form target is forwarded in origin-form, under the upstream base path', async () => {
  seen.length = 0
  const res = await rawExchange(gw.url, requestHead('GET', 'http://evil.example/v1/files?limit=2', { 'x-api-key': 'k', connection: 'close' }))
  assert.equal(res.statuses[0], 200, res.text.slice(0, 400))
  assert.deepEqual(seen, ['/tenant-a/anthropic/v1/files?limit=2'])
})

test('ordinary paths keep their base path and query, dots inside names and queries included', async () => {
  seen.length = 0
  for (const target of ['/v1/files/file_01.txt/content', '/v1/models?after_id=a..b']) {
    const res = await rawExchange(gw.url, requestHead('GET', target, { 'x-api-key': 'k', connection: 'close' }))
    assert.equal(res.statuses[0], 200, res.text.slice(0, 400))
  }
  assert.deepEqual(seen, ['/tenant-a/anthropic/v1/files/file_01.txt/content', '/tenant-a/anthropic/v1/models?after_id=a..b'])
})
