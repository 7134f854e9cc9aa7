// Prefix hashing (what counts as the same cached prefix) and the warm-state records learned from
// usage, as tables.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { prefixShape, prefixShapes } from '../../../src/prompt-cache/prefix.js'
import { decodeRecord, encodeRecord, lastAnswerer, learnedEntries, mergeEntry, warmPrefixes } from '../../../src/prompt-cache/state.js'
import type { WarmEntry } from '../../../src/prompt-cache/state.js'
import type { MessagesRequest } from '../../../src/types/anthropic.js'
import { bodyForAnotherModel } from '../../../src/policy/apply.js'

const EPHEMERAL = { type: 'ephemeral' }
const SYSTEM = [{ type: 'text', text: 'You are a coding agent. '.repeat(50), cache_control: EPHEMERAL }]

function turn (messages: MessagesRequest['messages'], extra: Partial<MessagesRequest> = {}): MessagesRequest {
  return { model: 'claude-sonnet-4-5', max_tokens: 1000, system: SYSTEM, messages, ...extra }
}

const USER1 = { role: 'user', content: [{ type: 'text', text: 'fix the bug', cache_control: EPHEMERAL }] }
const USER1_PLAIN = { role: 'user', content: [{ type: 'text', text: 'fix the bug' }] }
const ASSISTANT1 = { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }] }
const USER2 = { role: 'user', content: [{ type: 'text', text: 'and the test', cache_control: EPHEMERAL }] }

test('prefixShape: a breakpoint per cache_control, the last one\'s TTL, longest candidate first', () => {
  const shape = prefixShape(turn([USER1]), 'key:a')
  assert.equal(shape.breakpoints.length, 2)
  assert.equal(shape.lastTtl, '5m')
  assert.equal(shape.candidates[0], shape.breakpoints[1]?.hash)
  assert.ok((shape.breakpoints[0]?.weight ?? 0) < (shape.breakpoints[1]?.weight ?? 0))
})

test('prefixShape: the next turn finds the previous turn\'s breakpoint among its candidates (marker moved on)', () => {
  const first = prefixShape(turn([USER1]), 'key:a')
  const second = prefixShape(turn([USER1_PLAIN, ASSISTANT1, USER2]), 'key:a')
  assert.ok(second.candidates.includes(first.breakpoints[1]?.hash as string), 'cache_control markers are not part of the prefix')
})

interface SameRow { name: string; a: MessagesRequest; b: MessagesRequest; scopeB?: string; same: boolean }
const SAME: SameRow[] = [
  { name: 'same prompt, another max_tokens and stream: same prefix', a: turn([USER1]), b: turn([USER1], { max_tokens: 5, stream: true }), same: true },
  { name: 'another credential scope: never shared', a: turn([USER1]), b: turn([USER1]), scopeB: 'key:b', same: false },
  { name: 'another system prompt', a: turn([USER1]), b: turn([USER1], { system: [{ type: 'text', text: 'other', cache_control: EPHEMERAL }] }), same: false },
  { name: 'thinking config changes the messages level', a: turn([USER1]), b: turn([USER1], { thinking: { type: 'enabled', budget_tokens: 2000 } }), same: false },
  { name: 'another model: the hash is model-free (the record says which models)', a: turn([USER1]), b: turn([USER1], { model: 'claude-haiku-4-5' }), same: true },
  { name: 'a 1h marker instead of 5m: same text, same prefix', a: turn([USER1]), b: turn([{ role: 'user', content: [{ type: 'text', text: 'fix the bug', cache_control: { type: 'ephemeral', ttl: '1h' } }] }]), same: true }
]
for (const row of SAME) {
  test(`prefixShape: ${row.name}`, () => {
    const a = prefixShape(row.a, 'key:a').candidates[0]
    const b = prefixShape(row.b, row.scopeB ?? 'key:a').candidates[0]
    assert.equal(a === b, row.same)
  })
}

test('prefixShape: a top-level cache_control is a breakpoint on the last block', () => {
  const shape = prefixShape({ model: 'm', max_tokens: 1, cache_control: { type: 'ephemeral', ttl: '1h' }, messages: [{ role: 'user', content: 'hello' }] }, 'key:a')
  assert.equal(shape.breakpoints.length, 1)
  assert.equal(shape.lastTtl, '1h')
})

test('prefixShape: the turn key of a thinking tool turn\'s previous prompt ignores thinking blocks (either body shape)', () => {
  const thinking = { type: 'adaptive' }
  const previous: MessagesRequest = turn([USER1], { thinking })
  const assistant = { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }, { type: 'tool_use', id: 't1', name: 'bash', input: {} }] }
  const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', cache_control: EPHEMERAL }] }
  const current = turn([USER1, assistant, result], { thinking })
  const prevShape = prefixShape(previous, 'key:a')
  assert.equal(prefixShape(current, 'key:a').previousTurn, prevShape.whole)
  assert.equal(prefixShape(bodyForAnotherModel(current), 'key:a').previousTurn, prevShape.whole)
  assert.equal(prefixShape(turn([USER1, ASSISTANT1, USER2], { thinking }), 'key:a').previousTurn, null, 'no tool turn in progress')
})

test('prefixShapes: the one-pass reshaped prefixes are those of the body another model really gets', () => {
  const thinking = { type: 'enabled', budget_tokens: 2048 }
  const assistant = (id: string) => ({ role: 'assistant', content: [{ type: 'thinking', thinking: 'hm ' + id, signature: 'sig' }, { type: 'tool_use', id, name: 'bash', input: {} }] })
  const result = (id: string, marker = false) => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok', ...(marker ? { cache_control: EPHEMERAL } : {}) }] })
  for (const body of [
    turn([USER1_PLAIN, assistant('t1'), result('t1'), assistant('t2'), result('t2', true)], { thinking }),
    turn([USER1_PLAIN, assistant('t1'), result('t1'), { role: 'assistant', content: 'done' }, USER2], { thinking })
  ]) {
    const { asSent, reshaped } = prefixShapes(body, 'key:a')
    const real = prefixShape(bodyForAnotherModel(body), 'key:a')
    assert.notDeepEqual(reshaped.breakpoints, asSent.breakpoints, 'earlier thinking is removed for another model')
    assert.deepEqual(reshaped.breakpoints, real.breakpoints)
    assert.equal(reshaped.candidates[0], real.candidates[0])
    assert.equal(reshaped.whole, real.whole)
  }
})

const NOW = 1_000_000
const entry = (model: string, tokens: number, servedAtMs: number, expiresAtMs = servedAtMs + 300_000): WarmEntry => ({ model, tokens, ttl: '5m', expiresAtMs, servedAtMs, outputTokens: 10 })

test('learnedEntries: reads + writes are the tokens up to the last breakpoint; earlier ones get their share', () => {
  const shape = prefixShape(turn([USER1]), 'key:a')
  const learned = learnedEntries(shape, { input_tokens: 5, cache_read_input_tokens: 600, cache_creation_input_tokens: 400, output_tokens: 7 }, 'claude-sonnet-4-5', NOW)
  const last = learned.get(shape.breakpoints[1]?.hash as string)
  assert.equal(last?.tokens, 1000)
  assert.equal(last?.expiresAtMs, NOW + 300_000)
  assert.equal(last?.outputTokens, 7)
  const system = learned.get(shape.breakpoints[0]?.hash as string)
  assert.ok(system !== undefined && system.tokens > 0 && system.tokens < 1000)
  assert.equal(learned.get(shape.whole)?.tokens, 0, 'the turn is remembered as answered')
})

test('learnedEntries: an answer that neither read nor wrote the cache makes nothing warm', () => {
  const shape = prefixShape(turn([USER1]), 'key:a')
  const learned = learnedEntries(shape, { input_tokens: 900, output_tokens: 7 }, 'claude-sonnet-4-5', NOW)
  assert.deepEqual([...learned.keys()], [shape.whole])
})

test('mergeEntry: replaces the model\'s entry, drops expired ones, keeps at most four models', () => {
  const record = [entry('a', 1, NOW - 10), entry('b', 1, NOW - 20), entry('old', 1, NOW - 400_000, NOW - 1), entry('c', 1, NOW - 30), entry('d', 1, NOW - 40)]
  const merged = mergeEntry(record, entry('a', 5, NOW), NOW)
  assert.deepEqual(merged.map((e) => `${e.model}:${e.tokens}`), ['a:5', 'b:1', 'c:1', 'd:1'])
})

test('warmPrefixes: longest unexpired per model; lastAnswerer: the most recent answer', () => {
  const longest = [entry('sonnet', 900, NOW - 1), entry('haiku', 0, NOW - 1)]
  const shorter = [entry('sonnet', 100, NOW - 1), entry('haiku', 100, NOW - 1), entry('opus', 50, NOW - 400_000, NOW - 1)]
  assert.deepEqual(warmPrefixes([longest, null, shorter], NOW, [0.1, 0.2, 0.3]).map((w) => `${w.model}:${w.tokens}`), ['sonnet:900', 'haiku:100'])
  assert.deepEqual(warmPrefixes([longest, null, shorter], NOW, [0.1, 0.2, 0.3]).map((w) => w.tailShare), [0.1, 0.3])
  assert.equal(lastAnswerer([[entry('sonnet', 0, NOW - 50), entry('haiku', 0, NOW - 5)]], NOW), 'haiku')
  assert.equal(lastAnswerer([[entry('sonnet', 0, NOW - 4_000_000)]], NOW), null, 'forgotten after an hour')
})

test('decodeRecord: round-trips, and refuses anything else', () => {
  const record = [entry('a', 1, NOW)]
  assert.deepEqual(decodeRecord(encodeRecord(record)), record)
  for (const bad of ['{"x":1}', '[{"model":1}]', 'not json', '[{"model":"a","ttl":"2h","tokens":1,"expiresAtMs":1,"servedAtMs":1,"outputTokens":1}]']) {
    assert.equal(decodeRecord(Buffer.from(bad)), null, bad)
  }
  assert.equal(decodeRecord(null), null)
})
