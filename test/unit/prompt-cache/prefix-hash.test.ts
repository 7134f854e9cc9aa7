// Which prompts share a prefix hash, as tables: the skeleton + placed-thinking hashing must tell
// apart exactly the prompts whose records differ (blocks, their order, where a thinking block
// sits), and nothing else (markers, later messages, request settings outside the prompt).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { prefixShape, prefixShapes } from '../../../src/prompt-cache/prefix.js'
import type { PrefixShape } from '../../../src/prompt-cache/prefix.js'
import type { ContentBlock, MessagesRequest } from '../../../src/types/anthropic.js'
import { claudeCodeRequest } from '../../helpers/claude-code-request.js'

const EPHEMERAL = { type: 'ephemeral' }
const THINKING = { type: 'enabled', budget_tokens: 2048 }
const text = (value: string, marked = false): ContentBlock => ({ type: 'text', text: value, ...(marked ? { cache_control: EPHEMERAL } : {}) })
const think = (value: string): ContentBlock => ({ type: 'thinking', thinking: value, signature: 'sig' })
const image = (data: string, marked = false): ContentBlock => ({ type: 'image', source: { type: 'base64', media_type: 'image/png', data }, ...(marked ? { cache_control: EPHEMERAL } : {}) })
const documentOf = (inner: string, innerMarked: boolean): ContentBlock => ({ type: 'document', source: { type: 'content', content: [text(inner, innerMarked)] }, cache_control: EPHEMERAL })
const TOOL = { type: 'custom', name: 'bash', input_schema: { type: 'object', properties: { cmd: { type: 'string' } } } }

function body (messages: MessagesRequest['messages'], extra: Partial<MessagesRequest> = {}): MessagesRequest {
  return { model: 'claude-sonnet-4-5', max_tokens: 100, system: [text('You are a coding agent.', true)], messages, ...extra }
}

/** The last breakpoint's hash of the body as sent. */
const lastPrefix = (shape: PrefixShape): string | undefined => shape.breakpoints[shape.breakpoints.length - 1]?.hash

interface PairRow { name: string; a: MessagesRequest; b: MessagesRequest; samePrefix: boolean; sameTurn?: boolean }
const PAIRS: PairRow[] = [
  {
    name: 'an image\'s data is part of the prefix',
    a: body([{ role: 'user', content: [image('AAAA', true)] }]),
    b: body([{ role: 'user', content: [image('BBBB', true)] }]),
    samePrefix: false,
    sameTurn: false
  },
  {
    name: 'the same image, its marker moved: same prefix',
    a: body([{ role: 'user', content: [image('AAAA', true)] }]),
    b: body([{ role: 'user', content: [image('AAAA')] }], { cache_control: EPHEMERAL }),
    samePrefix: true,
    sameTurn: true
  },
  {
    name: 'a marker nested in a document\'s content is not part of the prefix',
    a: body([{ role: 'user', content: [documentOf('the spec', true)] }]),
    b: body([{ role: 'user', content: [documentOf('the spec', false)] }]),
    samePrefix: true,
    sameTurn: true
  },
  {
    name: 'a document\'s text is',
    a: body([{ role: 'user', content: [documentOf('the spec', false)] }]),
    b: body([{ role: 'user', content: [documentOf('the spek', false)] }]),
    samePrefix: false,
    sameTurn: false
  },
  {
    name: 'a `cache_control` key inside tool_use input is data, not a marker',
    a: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { cache_control: 'a' } }] }, { role: 'user', content: [text('next', true)] }]),
    b: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { cache_control: 'b' } }] }, { role: 'user', content: [text('next', true)] }]),
    samePrefix: false,
    sameTurn: false
  },
  {
    name: 'another thinking text: another prefix as sent, the same turn',
    a: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [think('plan A'), text('done')] }, { role: 'user', content: [text('next', true)] }], { thinking: THINKING }),
    b: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [think('plan B'), text('done')] }, { role: 'user', content: [text('next', true)] }], { thinking: THINKING }),
    samePrefix: false,
    sameTurn: true
  },
  {
    name: 'the same thinking block before or after a text in its message',
    a: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [think('plan'), text('done')] }, { role: 'user', content: [text('next', true)] }], { thinking: THINKING }),
    b: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [text('done'), think('plan')] }, { role: 'user', content: [text('next', true)] }], { thinking: THINKING }),
    samePrefix: false,
    sameTurn: true
  },
  {
    name: 'the same thinking block ending one message or starting the next (the role between them counts)',
    a: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [text('done'), think('plan')] }, { role: 'user', content: [text('next', true)] }], { thinking: THINKING }),
    b: body([{ role: 'user', content: 'go' }, { role: 'assistant', content: [text('done')] }, { role: 'user', content: [think('plan'), text('next', true)] }], { thinking: THINKING }),
    samePrefix: false,
    sameTurn: true
  },
  {
    name: 'a text that reads like a thinking block\'s record is still a text',
    a: body([{ role: 'user', content: [text('plan'), text('next', true)] }], { thinking: THINKING }),
    b: body([{ role: 'user', content: [think('plan'), text('next', true)] }], { thinking: THINKING }),
    samePrefix: false,
    sameTurn: false
  },
  {
    name: 'one string split across two texts is another prompt',
    a: body([{ role: 'user', content: [text('ab'), text('c', true)] }]),
    b: body([{ role: 'user', content: [text('a'), text('bc', true)] }]),
    samePrefix: false,
    sameTurn: false
  },
  {
    name: 'a string content and the same text as a block are other prompts (as the canonical form has it)',
    a: body([{ role: 'user', content: 'hello' }], { cache_control: EPHEMERAL }),
    b: body([{ role: 'user', content: [text('hello', true)] }]),
    samePrefix: false,
    sameTurn: false
  }
]
for (const row of PAIRS) {
  test(`prefix hashes: ${row.name}`, () => {
    const a = prefixShape(row.a, 'key:a')
    const b = prefixShape(row.b, 'key:a')
    assert.ok(lastPrefix(a) !== undefined && lastPrefix(b) !== undefined)
    assert.equal(lastPrefix(a) === lastPrefix(b), row.samePrefix, 'last breakpoint')
    if (row.sameTurn !== undefined) assert.equal(a.whole === b.whole, row.sameTurn, 'turn key')
  })
}

interface ShapeRow { name: string; body: MessagesRequest; breakpoints: number; candidates: number; lastTtl: '5m' | '1h' | null }
const SHAPES: ShapeRow[] = [
  { name: 'no breakpoint (thinking only): nothing to look up, still a turn key', body: { model: 'm', max_tokens: 1, thinking: THINKING, messages: [{ role: 'user', content: 'hi' }] }, breakpoints: 0, candidates: 0, lastTtl: null },
  { name: 'a breakpoint on the first block (the first tool)', body: { model: 'm', max_tokens: 1, tools: [{ ...TOOL, cache_control: { type: 'ephemeral', ttl: '1h' } }, { ...TOOL, name: 'other' }], messages: [{ role: 'user', content: 'hi' }] }, breakpoints: 1, candidates: 1, lastTtl: '1h' },
  { name: 'a breakpoint on the first block (the first message\'s, no tools or system)', body: { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [text('hi', true), text('more')] }] }, breakpoints: 1, candidates: 1, lastTtl: '5m' },
  { name: 'a breakpoint on an image', body: body([{ role: 'user', content: [text('look'), image('AAAA', true)] }]), breakpoints: 2, candidates: 2, lastTtl: '5m' }
]
for (const row of SHAPES) {
  test(`prefixShape: ${row.name}`, () => {
    const shape = prefixShape(row.body, 'key:a')
    assert.equal(shape.breakpoints.length, row.breakpoints)
    assert.equal(shape.candidates.length, row.candidates)
    assert.equal(shape.lastTtl, row.lastTtl)
    assert.match(shape.whole, /^[0-9a-f]{64}$/)
    for (const hash of shape.candidates) assert.match(hash, /^[0-9a-f]{64}$/)
    assert.ok(shape.breakpoints.every((point) => point.weight > 0), 'a breakpoint covers some of the prompt')
  })
}

test('prefixShape: a breakpoint on the first block is the same prefix whatever follows it', () => {
  const first = { ...TOOL, cache_control: EPHEMERAL }
  const a = prefixShape({ model: 'm', max_tokens: 1, tools: [first], messages: [{ role: 'user', content: 'one' }] }, 'key:a')
  const b = prefixShape({ model: 'm', max_tokens: 1, tools: [first, { ...TOOL, name: 'other' }], system: 'sys', messages: [{ role: 'user', content: 'two' }] }, 'key:a')
  assert.equal(a.breakpoints[0]?.hash, b.breakpoints[0]?.hash)
  assert.notEqual(a.whole, b.whole)
})

test('prefixShapes: two large Claude Code requests differing only in the last message share every earlier prefix', () => {
  const a = claudeCodeRequest()
  const b = claudeCodeRequest()
  const last = b.messages[b.messages.length - 1]
  assert.ok(last !== undefined && Array.isArray(last.content))
  last.content = [{ type: 'tool_result', tool_use_id: last.content[0]?.tool_use_id, content: 'another result', cache_control: EPHEMERAL }]
  const shapesA = prefixShapes(a, 'key:a')
  const shapesB = prefixShapes(b, 'key:a')
  for (const [x, y] of [[shapesA.asSent, shapesB.asSent], [shapesA.reshaped, shapesB.reshaped]] as const) {
    assert.equal(x.breakpoints.length, 3)
    assert.deepEqual(x.breakpoints.slice(0, 2), y.breakpoints.slice(0, 2), 'tools and system breakpoints: same hashes and weights')
    assert.notEqual(x.breakpoints[2]?.hash, y.breakpoints[2]?.hash)
    assert.equal(x.candidates.length, 12)
    assert.deepEqual(x.candidates.slice(1), y.candidates.slice(1), 'the earlier message ends in the lookback')
  }
  assert.notEqual(shapesA.reshaped.candidates[1], shapesA.asSent.candidates[1], 'earlier thinking is in one body, not the other')
  assert.equal(shapesA.asSent.previousTurn, shapesB.asSent.previousTurn)
  assert.notEqual(shapesA.asSent.whole, shapesB.asSent.whole)
})

test('prefixShape: without any breakpoint, a thinking tool loop still gets its turn keys (thinking blocks left out)', () => {
  const plain = (messages: MessagesRequest['messages']): MessagesRequest => ({ model: 'm', max_tokens: 1, thinking: THINKING, messages })
  const asked = { role: 'user', content: [text('fix it')] }
  const assistant = (thought: string) => ({ role: 'assistant', content: [think(thought), { type: 'tool_use', id: 't1', name: 'bash', input: {} }] })
  const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] }
  const previous = prefixShape(plain([asked]), 'key:a')
  for (const thought of ['plan', 'another plan']) {
    const shape = prefixShape(plain([asked, assistant(thought), result]), 'key:a')
    assert.deepEqual([shape.breakpoints.length, shape.candidates.length], [0, 0])
    assert.equal(shape.previousTurn, previous.whole)
  }
  assert.equal(prefixShape(plain([asked, assistant('plan'), result]), 'key:a').whole, prefixShape(plain([asked, assistant('another plan'), result]), 'key:a').whole)
})
