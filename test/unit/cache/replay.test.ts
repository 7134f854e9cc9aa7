// The replayed SSE must be a legal stream that reassembles to the stored message exactly.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { replaySse } from '../../../src/cache/replay.js'
import { StreamAccumulator } from '../../../src/messages/stream-accumulator.js'
import { SseParser } from '../../../src/upstream/sse.js'
import type { Message } from '../../../src/types/anthropic.js'

const base = (content: unknown[], stop = 'end_turn'): Message => ({
  id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content,
  stop_reason: stop, stop_sequence: null,
  usage: { input_tokens: 120, output_tokens: 45, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 }
} as unknown as Message)

const ROWS: Array<[string, Message]> = [
  ['text', base([{ type: 'text', text: 'Your order ships tomorrow. ✈️' }])],
  ['thinking then text', base([{ type: 'thinking', thinking: 'The user asks…', signature: 'sig-abc' }, { type: 'text', text: 'Answer.' }])],
  ['tool use', base([{ type: 'text', text: 'Looking it up.' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { order: 1234, tags: ['a'] } }], 'tool_use')],
  ['empty text block', base([{ type: 'text', text: '' }])]
]

function reassemble (sse: string): { events: string[]; message: Message | null } {
  const parser = new SseParser()
  const accumulator = new StreamAccumulator('full')
  const events = parser.push(sse)
  for (const event of events) accumulator.add(event)
  return { events: events.map((event) => event.event), message: accumulator.outcome().message }
}

for (const [name, message] of ROWS) {
  test(`replaySse reassembles exactly: ${name}`, () => {
    const { events, message: reassembled } = reassemble(replaySse(message))
    assert.equal(events[0], 'message_start')
    assert.equal(events[1], 'ping')
    assert.deepEqual(events.slice(-2), ['message_delta', 'message_stop'])
    assert.equal(events.filter((event) => event === 'content_block_start').length, message.content.length)
    assert.deepEqual(reassembled, message)
  })
}

test('message_start carries the input usage and at most one output token, as the API sends it', () => {
  const first = replaySse(ROWS[0]![1]).split('\n\n')[0] ?? ''
  const data = JSON.parse(first.slice(first.indexOf('data: ') + 6)) as { message: { usage: { input_tokens: number; output_tokens: number }; content: unknown[]; stop_reason: unknown } }
  assert.deepEqual([data.message.usage.input_tokens, data.message.usage.output_tokens], [120, 1])
  assert.deepEqual(data.message.content, [])
  assert.equal(data.message.stop_reason, null)
})
