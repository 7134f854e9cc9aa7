import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamAccumulator } from '../../../src/messages/stream-accumulator.js'

const ev = (event: string, data: unknown) => ({ event, data: JSON.stringify(data) })

const TOOL_STREAM = [
  ev('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, cache_read_input_tokens: 4, output_tokens: 1 } } }),
  ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
  ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } }),
  ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think.' } }),
  ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig==' } }),
  ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
  { event: 'ping', data: '{"type": "ping"}' },
  ev('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }),
  ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
  ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location": "San Fra' } }),
  ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ncisco"}' } }),
  ev('content_block_stop', { type: 'content_block_stop', index: 1 }),
  ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }),
  ev('message_stop', { type: 'message_stop' })
]

test('full mode reassembles thinking and tool_use blocks and the final usage', () => {
  const acc = new StreamAccumulator('full')
  const firsts = TOOL_STREAM.map((e) => acc.add(e))
  assert.equal(firsts.filter(Boolean).length, 1, 'exactly one first-content event')
  assert.equal(firsts.indexOf(true), 1)
  const out = acc.outcome()
  assert.equal(out.completed, true)
  assert.equal(out.message?.model, 'claude-haiku-4-5')
  assert.deepEqual(out.message?.content, [
    { type: 'thinking', thinking: 'Let me think.', signature: 'sig==' },
    { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'San Francisco' } }
  ])
  assert.equal(out.message?.stop_reason, 'tool_use')
  assert.deepEqual(out.usage, { input_tokens: 20, cache_read_input_tokens: 4, output_tokens: 42 })
})

test('usage mode reports the same usage as full mode without building a message', () => {
  const acc = new StreamAccumulator('usage')
  for (const e of TOOL_STREAM) acc.add(e)
  const out = acc.outcome()
  assert.equal(out.message, null)
  assert.equal(out.completed, true)
  assert.deepEqual(out.usage, { input_tokens: 20, cache_read_input_tokens: 4, output_tokens: 42 })
})

test('usage mode reads usage laid out otherwise than the API does (it parses those events whole)', () => {
  const start = ev('message_start', { type: 'message_start', message: { usage: { input_tokens: 7, output_tokens: 1 }, id: 'msg_1', content: [] } })
  const delta = { event: 'message_delta', data: '{"usage" : {"output_tokens":5} ,\n "type":"message_delta","delta":{"stop_reason":"end_turn"}}' }
  for (const mode of ['usage', 'full'] as const) {
    const acc = new StreamAccumulator(mode)
    for (const e of [start, delta]) acc.add(e)
    assert.deepEqual(acc.outcome().usage, { input_tokens: 7, output_tokens: 5 }, mode)
  }
})

test('a stream without message_stop, or with an error event, yields no message', () => {
  const truncated = new StreamAccumulator('full')
  for (const e of TOOL_STREAM.slice(0, -1)) truncated.add(e)
  assert.equal(truncated.outcome().message, null)
  assert.equal(truncated.outcome().completed, false)

  const errored = new StreamAccumulator('full')
  for (const e of TOOL_STREAM.slice(0, 4)) errored.add(e)
  errored.add(ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }))
  errored.add(ev('message_stop', { type: 'message_stop' }))
  assert.equal(errored.outcome().errorType, 'overloaded_error')
  assert.equal(errored.outcome().message, null)
})

test('an unknown delta type makes the stream unstorable but still counts usage', () => {
  const acc = new StreamAccumulator('full')
  for (const e of TOOL_STREAM.slice(0, 2)) acc.add(e)
  acc.add(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'future_delta', x: 1 } }))
  for (const e of TOOL_STREAM.slice(2)) acc.add(e)
  assert.equal(acc.outcome().message, null)
  assert.equal(acc.outcome().usage.output_tokens, 42)
})

test('full mode stops reassembling past maxFullChars (the message could never be stored) and still reads the usage', () => {
  const acc = new StreamAccumulator('full', 5000)
  acc.add(ev('message_start', { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', model: 'x', content: [], usage: { input_tokens: 11, output_tokens: 1 } } }))
  acc.add(ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }))
  for (let i = 0; i < 100; i++) acc.add(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'z'.repeat(1000) } }))
  acc.add(ev('content_block_stop', { type: 'content_block_stop', index: 0 }))
  acc.add(ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 100 } }))
  acc.add({ event: 'message_stop', data: '{"type":"message_stop"}' })
  assert.equal(acc.gaveUp, true)
  const result = acc.outcome()
  assert.equal(result.message, null)
  assert.equal(result.completed, true)
  assert.deepEqual(result.usage, { input_tokens: 11, output_tokens: 100 })
})

test('full mode within maxFullChars reassembles as before', () => {
  const acc = new StreamAccumulator('full', 1_000_000)
  for (const event of TOOL_STREAM) acc.add(event)
  assert.equal(acc.gaveUp, false)
  assert.notEqual(acc.outcome().message, null)
})
