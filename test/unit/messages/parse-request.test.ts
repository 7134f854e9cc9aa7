import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonBody, parseMessagesRequest } from '../../../src/messages/parse-request.js'
import { GatewayError } from '../../../src/errors.js'

const valid = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }

const INVALID: Array<[string, unknown, RegExp]> = [
  ['not an object', [1], /JSON object/],
  ['missing model', { ...valid, model: undefined }, /^model:/],
  ['empty model', { ...valid, model: '' }, /^model:/],
  ['numeric model', { ...valid, model: 4 }, /^model:/],
  ['missing messages', { ...valid, messages: undefined }, /^messages:/],
  ['message without role', { ...valid, messages: [{ content: 'x' }] }, /^messages\.0\.role/],
  ['message with numeric content', { ...valid, messages: [{ role: 'user', content: 3 }] }, /^messages\.0\.content/],
  ['block without type', { ...valid, messages: [{ role: 'user', content: [{ text: 'x' }] }] }, /^messages\.0\.content\.0/],
  ['missing max_tokens', { ...valid, max_tokens: undefined }, /^max_tokens: Field required/],
  ['string max_tokens', { ...valid, max_tokens: '10' }, /^max_tokens:/],
  ['fractional max_tokens', { ...valid, max_tokens: 1.5 }, /^max_tokens:/],
  ['string stream', { ...valid, stream: 'true' }, /^stream:/],
  ['thinking without type', { ...valid, thinking: { budget_tokens: 2000 } }, /^thinking:/]
]
for (const [name, body, message] of INVALID) {
  test(`rejects ${name} with invalid_request_error`, () => {
    assert.throws(() => parseMessagesRequest(JSON.parse(JSON.stringify(body))), (err: unknown) =>
      err instanceof GatewayError && err.code === 'TL_ERR_INVALID_REQUEST' && err.status === 400 && message.test(err.message))
  })
}

test('keeps unknown fields and the same object', () => {
  const body = { ...valid, future_field: { x: 1 }, temperature: 0 }
  assert.equal(parseMessagesRequest(body), body)
})

test('count_tokens bodies need no max_tokens', () => {
  assert.doesNotThrow(() => parseMessagesRequest({ model: 'm', messages: [] }, 'count_tokens'))
})

test('invalid and empty JSON text are TL_ERR_INVALID_JSON', () => {
  for (const text of ['', '  ', '{"model":', 'nope']) {
    assert.throws(() => parseJsonBody(text), (err: unknown) => err instanceof GatewayError && err.code === 'TL_ERR_INVALID_JSON')
  }
})

const deep = (levels: number, open = '[', close = ']'): string => open.repeat(levels) + close.repeat(levels)
const DEPTHS: Array<[string, string, boolean]> = [
  ['128 arrays', deep(128), false],
  ['129 arrays', deep(129), true],
  ['10 000 arrays', deep(10_000), true],
  ['129 objects', '{"a":'.repeat(129) + '1' + '}'.repeat(129), true],
  ['mixed, 129 deep', '[{"a":'.repeat(64) + '[1]' + '}]'.repeat(64), true],
  ['brackets inside strings do not count', JSON.stringify({ s: '['.repeat(1000) + '{'.repeat(1000) }), false],
  ['escaped quotes do not end a string', JSON.stringify({ s: '\\"' + '['.repeat(500) }), false],
  ['many brackets side by side, shallow', '[' + '[1],'.repeat(5000) + '[1]]', false],
  ['unbalanced closing brackets first', ']]]]' + deep(100), false],
  ['a string ending in a backslash ends at its quote', '[' + JSON.stringify('x\\') + ',' + deep(128) + ']', true],
  ['long strings between brackets are skipped, not lost', '[' + ('"' + 'y'.repeat(10_000) + '",').repeat(50) + deep(128) + ']', true],
  ['an unterminated string is left to the parse', '["never closed ' + deep(200), false]
]
for (const [name, text, tooDeep] of DEPTHS) {
  test(`nesting: ${name} → ${tooDeep ? 'TL_ERR_TOO_DEEP' : 'parsed'}`, () => {
    assert.equal(nestsDeeperThan(text, MAX_JSON_DEPTH), tooDeep)
    if (tooDeep) assert.throws(() => parseJsonBody(text), (err: unknown) => err instanceof GatewayError && err.code === 'TL_ERR_TOO_DEEP' && err.status === 400)
  })
}
