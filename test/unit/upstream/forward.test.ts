import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isFallbackStatus, retryAfterMs } from '../../../src/upstream/forward.js'
import { classifyTransportError, toGatewayError } from '../../../src/upstream/transport-errors.js'

test('fallback statuses: 429, 529 and every 5xx; never 4xx otherwise', () => {
  const table: Array<[number, boolean]> = [[200, false], [400, false], [401, false], [404, false], [413, false], [429, true], [500, true], [503, true], [529, true]]
  for (const [status, expected] of table) assert.equal(isFallbackStatus(status), expected, String(status))
})

test('retry-after in seconds or as an HTTP date', () => {
  const now = Date.parse('2026-11-24T12:00:00Z')
  assert.equal(retryAfterMs({ 'retry-after': '2' }, now), 2000)
  assert.equal(retryAfterMs({ 'retry-after': '0.5' }, now), 500)
  assert.equal(retryAfterMs({ 'retry-after': 'Tue, 24 Nov 2026 12:00:03 GMT' }, now), 3000)
  assert.equal(retryAfterMs({ 'retry-after': 'soon' }, now), null)
  assert.equal(retryAfterMs({}, now), null)
})

test('transport errors are classified by code, including nested causes', () => {
  const table: Array<[unknown, string]> = [
    [Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'connect_error'],
    [Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'timeout'],
    [Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'timeout'],
    [new Error('x', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) }), 'connect_error'],
    [new Error('weird'), 'protocol_error'],
    [toGatewayError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'connect_error'],
    [toGatewayError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), 'timeout']
  ]
  for (const [err, expected] of table) assert.equal(classifyTransportError(err), expected)
})

test('a transport error becomes the gateway error a client can act on, worded for when it happened', () => {
  const coded = (code: string): Error => Object.assign(new Error('x'), { code })
  const table: Array<[Error, 'request' | 'body', number, string]> = [
    [coded('ECONNREFUSED'), 'request', 502, 'The upstream API could not be reached.'],
    [coded('UND_ERR_SOCKET'), 'body', 502, 'The upstream connection was lost mid-answer.'],
    [coded('UND_ERR_HEADERS_TIMEOUT'), 'request', 504, 'The upstream API did not answer in time.'],
    [coded('UND_ERR_BODY_TIMEOUT'), 'body', 504, 'The upstream API stopped sending its answer.'],
    [new Error('weird'), 'body', 502, 'The upstream API sent an invalid response.']
  ]
  for (const [err, during, status, message] of table) {
    const mapped = toGatewayError(err, during)
    assert.deepEqual([mapped.status, mapped.type, mapped.message, mapped.retryable], [status, 'api_error', message, true])
  }
})
