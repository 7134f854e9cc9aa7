import { test } from 'node:test'
import assert from 'node:assert/strict'
import { clientResponseHeaders, credentialOf, upstreamRequestHeaders } from '../../../src/upstream/headers.js'

const END_TO_END = {
  'x-api-key': 'sk-ant-1',
  authorization: 'Bearer sk-ant-2',
  'anthropic-version': '2023-06-01',
  'anthropic-beta': 'a-1, b-2',
  'content-type': 'application/json',
  'content-length': '42',
  'user-agent': 'Anthropic/JS 1.13.0',
  'x-stainless-retry-count': '0',
  'idempotency-key': 'abc',
  'accept-encoding': 'gzip'
}

test('forwards end-to-end request headers unchanged and drops hop-by-hop ones', () => {
  const out = upstreamRequestHeaders({
    host: 'gw:8080',
    connection: 'keep-alive, x-private-hop',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    upgrade: 'h2c',
    'proxy-authorization': 'Basic x',
    'x-private-hop': '1',
    // Answered by the gateway itself (Node sends the 100); undici refuses to send it.
    expect: '100-continue',
    ...END_TO_END
  }, { bodyReplaced: false, readsResponse: false })
  assert.deepEqual(out, END_TO_END)
})

test('the usual Connection values drop only the hop-by-hop headers', () => {
  for (const connection of ['keep-alive', 'close', 'Keep-Alive']) {
    assert.deepEqual(upstreamRequestHeaders({ connection, 'keep-alive': 'timeout=5', ...END_TO_END }, { bodyReplaced: false, readsResponse: false }), END_TO_END, connection)
  }
})

test('asks for identity encoding and drops content-length when the gateway reads and rewrites', () => {
  const out = upstreamRequestHeaders({ 'content-length': '10', 'accept-encoding': 'gzip, br', 'x-gateway-cache': 'on' }, { bodyReplaced: true, readsResponse: true })
  assert.deepEqual(out, { 'accept-encoding': 'identity' })
})

test('returns upstream response headers except hop-by-hop ones', () => {
  const out = clientResponseHeaders({
    'request-id': 'req_1',
    'retry-after': '3',
    'x-should-retry': 'true',
    'anthropic-ratelimit-requests-remaining': '9',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    'content-length': '12'
  }, { bodyReplaced: true })
  assert.deepEqual(out, { 'request-id': 'req_1', 'retry-after': '3', 'x-should-retry': 'true', 'anthropic-ratelimit-requests-remaining': '9' })
})

const CREDENTIALS = [
  { headers: { 'x-api-key': 'k1' }, expected: 'k1' },
  { headers: { authorization: 'Bearer t1' }, expected: 't1' },
  { headers: { authorization: 'bearer   t2 ' }, expected: 't2' },
  { headers: { 'x-api-key': 'k1', authorization: 'Bearer t1' }, expected: 'k1' },
  { headers: { authorization: 'Basic abc' }, expected: null },
  { headers: {}, expected: null }
]
for (const { headers, expected } of CREDENTIALS) {
  test(`credentialOf ${JSON.stringify(headers)} → ${expected}`, () => assert.equal(credentialOf(headers), expected))
}
