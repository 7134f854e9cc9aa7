import { test } from 'node:test'
import assert from 'node:assert/strict'
import { behaviourOf, DEFAULT_BEHAVIOUR, retryAfterFor } from '../../../src/simulator/behaviour.js'
import type { Behaviour } from '../../../src/simulator/behaviour.js'

test('x-sim-* headers map to a behaviour; other headers are ignored', () => {
  const table: Array<[Record<string, string | string[]>, Partial<Behaviour>]> = [
    [{}, {}],
    [{ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, {}],
    [{ 'x-sim-status': '529' }, { status: 529 }],
    [{ 'x-sim-status': '429', 'x-sim-retry-after': '7' }, { status: 429, retryAfter: 7 }],
    [{ 'x-sim-retry-after': 'none' }, { retryAfter: 'none' }],
    [{ 'x-sim-latency-ms': '250' }, { latencyMs: 250 }],
    [{ 'x-sim-event-delay-ms': '40' }, { eventDelayMs: 40 }],
    [{ 'x-sim-first-token-ms': '300', 'x-sim-stamp': '1' }, { firstTokenMs: 300, stamp: true }],
    [{ 'x-sim-output-tokens': '3' }, { outputTokens: 3 }],
    [{ 'x-sim-chunk-bytes': '65536' }, { chunkBytes: 65536 }],
    [{ 'x-sim-scenario': 'tool_use' }, { scenario: 'tool_use' }],
    [{ 'x-sim-scenario': 'thinking' }, { scenario: 'thinking' }],
    [{ 'x-sim-error-after-events': '0' }, { errorAfterEvents: 0 }],
    [{ 'x-sim-truncate-after-events': '2' }, { truncateAfterEvents: 2 }],
    [{ 'x-sim-reset-after-events': '99' }, { resetAfterEvents: 99 }],
    [{ 'x-sim-invalid-json': '1' }, { invalidJson: true }],
    [{ 'x-sim-hang': 'body' }, { hang: 'body' }],
    [{ 'x-sim-usage': '{"input_tokens":10,"output_tokens":2}' }, { usage: { input_tokens: 10, output_tokens: 2 } }],
    [{ 'x-sim-ping': '1', 'x-sim-unknown-event': '1' }, { ping: true, unknownEvent: true }],
    [{ 'x-sim-ping': '0' }, { ping: false }],
    [{ 'x-sim-status': ['500', '400'] }, { status: 500 }]
  ]
  for (const [headers, expected] of table) {
    assert.deepEqual(behaviourOf(headers, undefined), { ...DEFAULT_BEHAVIOUR, ...expected }, JSON.stringify(headers))
  }
})

test('a malformed x-sim-* value is a message naming the header, not a silent default', () => {
  const table: Array<[Record<string, string>, RegExp]> = [
    [{ 'x-sim-status': 'five hundred' }, /^x-sim-status:/],
    [{ 'x-sim-status': '42' }, /^x-sim-status:/],
    [{ 'x-sim-latency-ms': '-5' }, /^x-sim-latency-ms:/],
    [{ 'x-sim-latency-ms': '' }, /^x-sim-latency-ms:/],
    [{ 'x-sim-output-tokens': '0' }, /^x-sim-output-tokens:/],
    [{ 'x-sim-output-tokens': '2.5' }, /^x-sim-output-tokens:/],
    [{ 'x-sim-scenario': 'poem' }, /^x-sim-scenario:.*text, tool_use, thinking/],
    [{ 'x-sim-hang': 'forever' }, /^x-sim-hang:/],
    [{ 'x-sim-stamp': 'yes' }, /^x-sim-stamp:/],
    [{ 'x-sim-usage': '{oops' }, /^x-sim-usage:/],
    [{ 'x-sim-usage': '[1]' }, /^x-sim-usage:/],
    [{ 'x-sim-ping': 'yes' }, /^x-sim-ping:/]
  ]
  for (const [headers, expected] of table) {
    const got = behaviourOf(headers, undefined)
    assert.equal(typeof got, 'string', JSON.stringify(headers))
    assert.match(got as string, expected)
  }
})

test('a per-model override wins over the headers', () => {
  assert.deepEqual(behaviourOf({ 'x-sim-status': '500', 'x-sim-output-tokens': '4' }, { status: 529 }), { ...DEFAULT_BEHAVIOUR, status: 529, outputTokens: 4 })
  assert.deepEqual(behaviourOf({}, { latencyMs: 9 }), { ...DEFAULT_BEHAVIOUR, latencyMs: 9 })
})

test('retry-after: 1 s on 429/529 by default, the injected value on any status, none when asked', () => {
  const table: Array<[number, Behaviour['retryAfter'], string | null]> = [
    [429, null, '1'], [529, null, '1'], [500, null, null], [400, null, null],
    [429, 7, '7'], [500, 3, '3'], [429, 'none', null], [529, 'none', null]
  ]
  for (const [status, retryAfter, expected] of table) {
    assert.equal(retryAfterFor(status, { ...DEFAULT_BEHAVIOUR, retryAfter }), expected, `${status} ${String(retryAfter)}`)
  }
})
