import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { decodeEntry, encodeEntry } from '../../../src/cache/entry.js'
import type { CacheEntry } from '../../../src/cache/entry.js'
import type { Message } from '../../../src/types/anthropic.js'

const message = (text: string): Message => ({
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text }],
  stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 2 }
} as unknown as Message)

const SMALL: CacheEntry = { message: message('short'), storedAtMs: 1_700_000_000_000, form: 'sse' }
const LARGE: CacheEntry = { message: message('long answer '.repeat(2000)), storedAtMs: 1_700_000_000_000, form: 'json' }

test('a small entry is stored plain and round-trips', () => {
  const value = encodeEntry(SMALL, 16 * 1024)
  assert.equal(value[0], 0x00)
  assert.deepEqual(decodeEntry(value), SMALL)
})

test('a large entry is gzipped, smaller, and round-trips', () => {
  const value = encodeEntry(LARGE, 16 * 1024)
  assert.equal(value[0], 0x01)
  assert.ok(value.length < JSON.stringify(LARGE).length / 4)
  assert.deepEqual(decodeEntry(value), LARGE)
})

const CORRUPT: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['unknown marker', Buffer.concat([Buffer.from([0x07]), Buffer.from('{}')])],
  ['truncated gzip', encodeEntry(LARGE, 0).subarray(0, 40)],
  ['not JSON', Buffer.concat([Buffer.from([0x00]), Buffer.from('{nope')])],
  ['another version', Buffer.concat([Buffer.from([0x00]), Buffer.from(JSON.stringify({ ...SMALL, v: 2 }))])],
  ['no content array', Buffer.concat([Buffer.from([0x00]), Buffer.from(JSON.stringify({ v: 1, storedAtMs: 1, message: { type: 'message' } }))])],
  ['gzip of garbage', Buffer.concat([Buffer.from([0x01]), gzipSync('[1,2]')])]
]
for (const [name, value] of CORRUPT) {
  test(`a corrupt or foreign value decodes to a miss: ${name}`, () => { assert.equal(decodeEntry(value), null) })
}
