import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { decodeEntry, encodeEntry, newEntry } from '../../../src/cache/entry.js'
import { replaySse } from '../../../src/cache/replay.js'
import { storedMessage } from '../../../src/cache/served-body.js'
import type { Message } from '../../../src/types/anthropic.js'

const message = (text: string): Message => ({
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text }],
  stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 2 }
} as unknown as Message)

const SMALL = newEntry(message('short ✓'), 'sse', 1_700_000_000_000)
const LARGE = newEntry(message('long answer '.repeat(2000)), 'json', 1_700_000_000_000)

test('a small entry is stored plain and round-trips', () => {
  const value = encodeEntry(SMALL, 16 * 1024)
  assert.equal(value[0], 0x02)
  assert.deepEqual(decodeEntry(value), SMALL)
  assert.equal(SMALL.body.toString(), replaySse(message('short ✓')), 'a stream-filled entry holds its replay')
  assert.deepEqual(storedMessage(SMALL), message('short ✓'))
})

test('a large entry is gzipped, smaller, and round-trips', () => {
  const value = encodeEntry(LARGE, 16 * 1024)
  assert.equal(value[0], 0x03)
  assert.ok(value.length < LARGE.body.length / 4)
  assert.deepEqual(decodeEntry(value), LARGE)
})

test('an answer\'s own bytes are kept as they came; anything but one bare object is serialised', () => {
  const spaced = Buffer.from('{ "id" : "msg_1",\n  "content": [], "usage": {"input_tokens": 3, "output_tokens": 2} }')
  const kept = newEntry(message('ignored'), 'json', 1, spaced)
  assert.equal(kept.body, spaced)
  assert.deepEqual(decodeEntry(encodeEntry(kept, 16 * 1024))?.body, spaced)
  for (const odd of [Buffer.from('{"id":"m"}\n'), Buffer.from(' {"id":"m"}'), Buffer.alloc(0)]) {
    assert.equal(newEntry(message('hi'), 'json', 1, odd).body.toString(), JSON.stringify(message('hi')))
  }
})

test('entries of format 1 (written before an upgrade) still decode, plain and gzipped', () => {
  const v1 = Buffer.from(JSON.stringify({ v: 1, message: message('old'), storedAtMs: 5, form: 'sse' }))
  for (const value of [Buffer.concat([Buffer.from([0x00]), v1]), Buffer.concat([Buffer.from([0x01]), gzipSync(v1)])]) {
    assert.deepEqual(decodeEntry(value), newEntry(message('old'), 'sse', 5))
  }
})

const v2 = encodeEntry(SMALL, 16 * 1024)
const withHeader = (header: unknown, body = SMALL.body): Buffer => {
  const text = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(text.length)
  return Buffer.concat([Buffer.from([0x02]), length, text, body])
}
const HEADER = { v: 2, storedAtMs: 1, form: 'sse', usage: { output_tokens: 2 }, bytes: SMALL.body.length }

const CORRUPT: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['unknown marker', Buffer.concat([Buffer.from([0x07]), Buffer.from('{}')])],
  ['cut short', v2.subarray(0, v2.length - 3)],
  ['header length past the end', Buffer.concat([Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff]), Buffer.from('{}')])],
  ['header not JSON', Buffer.concat([Buffer.from([0x02, 0, 0, 0, 5]), Buffer.from('{nope{}')])],
  ['another format version', withHeader({ ...HEADER, v: 3 })],
  ['no usage', withHeader({ ...HEADER, usage: undefined })],
  ['a length that does not match', withHeader({ ...HEADER, bytes: SMALL.body.length + 1 })],
  ['an unknown form', withHeader({ ...HEADER, form: 'xml' })],
  ['a JSON body that is not an object', withHeader({ ...HEADER, form: 'json', bytes: 5 }, Buffer.from('[1,2]'))],
  ['an SSE body cut mid-event', withHeader({ ...HEADER, bytes: SMALL.body.length - 1 }, SMALL.body.subarray(0, -1))],
  ['truncated gzip', encodeEntry(LARGE, 0).subarray(0, 40)],
  ['gzip of garbage', Buffer.concat([Buffer.from([0x03]), gzipSync('[1,2]')])],
  ['format 1, not JSON', Buffer.concat([Buffer.from([0x00]), Buffer.from('{nope')])],
  ['format 1, another version', Buffer.concat([Buffer.from([0x00]), Buffer.from(JSON.stringify({ v: 2, message: message('x'), storedAtMs: 1 }))])],
  ['format 1, no content array', Buffer.concat([Buffer.from([0x00]), Buffer.from(JSON.stringify({ v: 1, storedAtMs: 1, message: { type: 'message', usage: {} } }))])]
]
for (const [name, value] of CORRUPT) {
  test(`a corrupt or foreign value decodes to a miss: ${name}`, () => { assert.equal(decodeEntry(value), null) })
}

test('the corrupt-value table is built from values that decode when whole', () => {
  assert.notEqual(decodeEntry(withHeader(HEADER)), null)
})
