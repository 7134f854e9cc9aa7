// A hit is served in the form the client asked for: the stored bytes when the forms agree, a
// conversion that keeps the message exact when they do not.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { newEntry } from '../../../src/cache/entry.js'
import { replaySse } from '../../../src/cache/replay.js'
import { servedBody, storedMessage } from '../../../src/cache/served-body.js'
import type { Message } from '../../../src/types/anthropic.js'

const MESSAGE = {
  id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-haiku-4-5',
  content: [{ type: 'thinking', thinking: 'Hm…', signature: 'sig' }, { type: 'text', text: 'Grüße ✓' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { order: 12 } }],
  stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 7, cache_read_input_tokens: 0 }
} as unknown as Message

const ROWS: Array<{ filledBy: 'json' | 'sse'; wantsStream: boolean; expected: string }> = [
  { filledBy: 'json', wantsStream: false, expected: JSON.stringify(MESSAGE) },
  { filledBy: 'json', wantsStream: true, expected: replaySse(MESSAGE) },
  { filledBy: 'sse', wantsStream: true, expected: replaySse(MESSAGE) },
  { filledBy: 'sse', wantsStream: false, expected: JSON.stringify(MESSAGE) }
]

for (const { filledBy, wantsStream, expected } of ROWS) {
  test(`filled by ${filledBy}, asked ${wantsStream ? 'streamed' : 'as JSON'}`, () => {
    const entry = newEntry(MESSAGE, filledBy, 1)
    const body = servedBody(entry, wantsStream)
    assert.equal(body?.toString(), expected)
    // Same form: the stored bytes themselves, no conversion.
    if (wantsStream === (filledBy === 'sse')) assert.equal(body, entry.body)
    assert.deepEqual(storedMessage(entry), MESSAGE)
  })
}

test('an entry whose bytes do not make a message is not served in the other form', () => {
  const broken = { ...newEntry(MESSAGE, 'sse', 1), body: Buffer.from('event: message_start\ndata: {}\n\n') }
  assert.equal(servedBody(broken, false), null)
  assert.equal(servedBody({ ...newEntry(MESSAGE, 'json', 1), body: Buffer.from('{nope}') }, true), null)
})
