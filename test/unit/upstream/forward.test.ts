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
