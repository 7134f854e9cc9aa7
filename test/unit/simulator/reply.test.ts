import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_BEHAVIOUR } from '../../../src/simulator/behaviour.js'
import type { Behaviour, Scenario } from '../../../src/simulator/behaviour.js'
import { estimateTokens, planReply, sseEvents } from '../../../src/simulator/reply.js'
import { SseParser } from '../../../src/upstream/sse.js'
import { StreamAccumulator } from '../../../src/messages/stream-accumulator.js'
import type { MessagesRequest } from '../../../src/types/anthropic.js'

const REQUEST: MessagesRequest = {
  model: 'claude-haiku-4-5',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
  tools: [{ type: 'custom', name: 'lookup_weather', input_schema: { type: 'object' } }]
}

const behave = (b: Partial<Behaviour>): Behaviour => ({ ...DEFAULT_BEHAVIOUR, ...b })

function names (events: string[]): string[] {
  return events.map((e) => /^event: (\S+)\n/.exec(e)?.[1] ?? '?')
}

function reassemble (events: string[]) {
  const parser = new SseParser()
  const accumulator = new StreamAccumulator('full')
  for (const event of parser.push(events.join(''))) accumulator.add(event)
  return accumulator.outcome()
}

test('every event is framed `event: X\\ndata: {one-line json}\\n\\n` with data.type equal to X', () => {
  for (const scenario of ['text', 'tool_use', 'thinking'] as Scenario[]) {
    for (const event of sseEvents(planReply(REQUEST, behave({ scenario, ping: true, unknownEvent: true }), 'msg_1'), behave({ ping: true, unknownEvent: true }))) {
      const match = /^event: (\S+)\ndata: ([^\n]+)\n\n$/.exec(event)
      assert.ok(match, `badly framed: ${JSON.stringify(event)}`)
      assert.equal((JSON.parse(match[2] ?? '') as { type: string }).type, match[1])
    }
  }
})

test('the event sequence of each scenario follows the real API', () => {
  const table: Array<[Scenario, string[]]> = [
    ['text', ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']],
    ['tool_use', ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']],
    ['thinking', ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']]
  ]
  for (const [scenario, expected] of table) {
    const behaviour = behave({ scenario, outputTokens: 2 })
    assert.deepEqual(names(sseEvents(planReply(REQUEST, behaviour, 'msg_1'), behaviour)), expected, scenario)
  }
})

test('the thinking block streams thinking_delta then signature_delta just before its stop', () => {
  const behaviour = behave({ scenario: 'thinking' })
  const events = sseEvents(planReply(REQUEST, behaviour, 'msg_1'), behaviour)
  const deltas = events.filter((e) => e.includes('"index":0') && e.startsWith('event: content_block_delta')).map((e) => /"delta":\{"type":"(\w+)"/.exec(e)?.[1])
  assert.deepEqual(deltas, ['thinking_delta', 'thinking_delta', 'thinking_delta', 'signature_delta'])
})

test('ping and unknown events appear only when asked', () => {
  const plain = names(sseEvents(planReply(REQUEST, DEFAULT_BEHAVIOUR, 'msg_1'), DEFAULT_BEHAVIOUR))
  assert.equal(plain.filter((n) => n === 'ping').length, 1)
  assert.ok(!plain.includes('future_event'))
  const noisy = behave({ ping: true, unknownEvent: true, outputTokens: 5 })
  const got = names(sseEvents(planReply(REQUEST, noisy, 'msg_1'), noisy))
  assert.equal(got.filter((n) => n === 'ping').length, 6)
  assert.equal(got.filter((n) => n === 'future_event').length, 1)
})

test('the stream reassembles into exactly the JSON message, for every scenario', () => {
  for (const scenario of ['text', 'tool_use', 'thinking'] as Scenario[]) {
    const behaviour = behave({ scenario, ping: true, unknownEvent: true })
    const reply = planReply(REQUEST, behaviour, 'msg_1')
    const outcome = reassemble(sseEvents(reply, behaviour))
    assert.equal(outcome.completed, true, scenario)
    assert.deepEqual(outcome.message, reply.message, scenario)
  }
})

test('tool_use: names the request\'s first tool, stop_reason tool_use, input streamed as partial JSON starting with ""', () => {
  const behaviour = behave({ scenario: 'tool_use' })
  const reply = planReply(REQUEST, behaviour, 'msg_1')
  const tool = reply.message.content.find((b) => b.type === 'tool_use')
  assert.equal(tool?.name, 'lookup_weather')
  assert.match(String(tool?.id), /^toolu_01/)
  assert.equal(reply.message.stop_reason, 'tool_use')
  assert.deepEqual(reply.pieces.get(1)?.[0], '')
  assert.deepEqual(JSON.parse((reply.pieces.get(1) ?? []).join('')), tool?.input)
})

test('content is deterministic per prompt, echoes the model, and the output length follows outputTokens', () => {
  const a = planReply(REQUEST, DEFAULT_BEHAVIOUR, 'msg_a').message
  const b = planReply(REQUEST, DEFAULT_BEHAVIOUR, 'msg_b').message
  const other = planReply({ ...REQUEST, messages: [{ role: 'user', content: 'Something else entirely' }] }, DEFAULT_BEHAVIOUR, 'msg_c').message
  assert.deepEqual({ ...a, id: '' }, { ...b, id: '' })
  assert.notDeepEqual(a.content, other.content)
  assert.equal(planReply({ ...REQUEST, model: 'claude-opus-4-6' }, DEFAULT_BEHAVIOUR, 'x').message.model, 'claude-opus-4-6')
  const five = planReply(REQUEST, behave({ outputTokens: 5 }), 'x')
  assert.equal(five.pieces.get(0)?.length, 5)
  assert.equal(five.message.usage.output_tokens, 5)
})

test('injected usage: the JSON reports it exactly; SSE puts the prompt side in message_start and the totals in message_delta', () => {
  const usage = {
    input_tokens: 1000,
    output_tokens: 321,
    cache_creation_input_tokens: 300,
    cache_read_input_tokens: 5000,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    server_tool_use: { web_search_requests: 2 }
  }
  const behaviour = behave({ usage })
  const reply = planReply(REQUEST, behaviour, 'msg_1')
  assert.deepEqual(reply.message.usage, usage)
  const events = sseEvents(reply, behaviour)
  const start = JSON.parse(events[0]?.split('data: ')[1] ?? '') as { message: { usage: Record<string, unknown> } }
  assert.deepEqual(start.message.usage, {
    input_tokens: 1000, cache_creation_input_tokens: 300, cache_read_input_tokens: 5000,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 }, output_tokens: 1
  })
  const delta = JSON.parse(events.find((e) => e.startsWith('event: message_delta'))?.split('data: ')[1] ?? '') as { usage: unknown }
  assert.deepEqual(delta.usage, usage)
  assert.deepEqual(reassemble(events).usage, usage)
})

test('count_tokens estimate: about a quarter of the prompt JSON, at least 1, deterministic', () => {
  const small: MessagesRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }
  const large: MessagesRequest = { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(4000) }] }
  assert.ok(estimateTokens(small) >= 1)
  assert.ok(Math.abs(estimateTokens(large) - 1000) < 20, String(estimateTokens(large)))
  assert.equal(estimateTokens(large), estimateTokens(structuredClone(large)))
})
