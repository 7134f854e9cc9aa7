import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SseParser, formatSseEvent } from '../../../src/upstream/sse.js'

const STREAM = [
  formatSseEvent('message_start', '{"type":"message_start","message":{"id":"msg_1","model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":1}}}'),
  formatSseEvent('ping', '{"type": "ping"}'),
  formatSseEvent('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
  formatSseEvent('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo ✓"}}'),
  ': a comment line\n\n',
  formatSseEvent('future_event', '{"type":"future_event"}'),
  formatSseEvent('message_stop', '{"type":"message_stop"}')
].join('')

const EXPECTED = ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'future_event', 'message_stop']

test('parses the same events whatever byte offset a chunk boundary falls on', () => {
  const bytes = Buffer.from(STREAM)
  for (let cut = 0; cut <= bytes.length; cut++) {
    const parser = new SseParser()
    const events = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))]
    assert.deepEqual(events.map((e) => e.event), EXPECTED, `cut at ${cut}`)
    assert.equal(JSON.parse(events[3]?.data ?? '{}').delta.text, 'héllo ✓')
    assert.equal(parser.hasPartialEvent, false)
  }
})

test('parses byte by byte, including multi-byte characters split across chunks', () => {
  const parser = new SseParser()
  const events = []
  for (const byte of Buffer.from(STREAM)) events.push(...parser.push(Buffer.from([byte])))
  assert.deepEqual(events.map((e) => e.event), EXPECTED)
})

const CASES = [
  { name: 'CRLF framing', input: 'event: a\r\ndata: 1\r\n\r\n', expected: [{ event: 'a', data: '1' }] },
  { name: 'no event field means message', input: 'data: x\n\n', expected: [{ event: 'message', data: 'x' }] },
  { name: 'multi-line data joined with newline', input: 'event: e\ndata: a\ndata: b\n\n', expected: [{ event: 'e', data: 'a\nb' }] },
  { name: 'no space after colon', input: 'event:e\ndata:{}\n\n', expected: [{ event: 'e', data: '{}' }] },
  { name: 'event without data is dropped', input: 'event: e\n\n', expected: [] },
  { name: 'incomplete event is held back', input: 'event: e\ndata: 1\n', expected: [] }
]

for (const { name, input, expected } of CASES) {
  test(`SSE framing: ${name}`, () => {
    assert.deepEqual(new SseParser().push(input), expected)
  })
}

test('an event larger than maxEventChars is dropped, never held: the parser stays bounded and finds the next event', () => {
  const parser = new SseParser(1000)
  assert.deepEqual(parser.push('event: message_start\ndata: {"a":1}\n\nevent: content_block_delta\ndata: '), [{ event: 'message_start', data: '{"a":1}' }])
  for (let i = 0; i < 200; i++) {
    assert.deepEqual(parser.push('x'.repeat(500)), [])
    assert.ok(parser.pendingChars <= 1000 + 500, `held ${parser.pendingChars} characters`)
  }
  // The separator straddles two chunks.
  assert.deepEqual(parser.push('xxx\n'), [])
  assert.deepEqual(parser.push('\nevent: message_delta\ndata: {"usage":{"output_tokens":7}}\n\nevent: message_stop\ndata: {}\n\n'), [
    { event: 'message_delta', data: '{"usage":{"output_tokens":7}}' },
    { event: 'message_stop', data: '{}' }
  ])
  assert.equal(parser.skipped, 1)
})

test('without a bound (the default) a large event is parsed whole', () => {
  const parser = new SseParser()
  const big = 'y'.repeat(100_000)
  assert.deepEqual(parser.push(`event: content_block_delta\ndata: ${big}\n\n`), [{ event: 'content_block_delta', data: big }])
  assert.equal(parser.skipped, 0)
})
