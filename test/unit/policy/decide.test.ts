import { test } from 'node:test'
import type { ContentBlock } from '../../../src/types/anthropic.js'
import assert from 'node:assert/strict'
import { decide } from '../../../src/policy/decide.js'
import { toRoutingInput } from '../../../src/policy/input.js'
import { estimateInputTokens } from '../../../src/policy/estimate.js'
import type { Decision } from '../../../src/policy/types.js'
import type { MessagesRequest } from '../../../src/types/anthropic.js'
import { TODAY, catalog, policyOf, request } from './fixtures.js'

type Headers = Record<string, string | string[] | undefined>

function run (yaml: string, body: MessagesRequest, headers: Headers = {}, options: { random?: number; today?: string } = {}): Decision {
  return decide(toRoutingInput(body, headers), policyOf(yaml), catalog, options.random ?? 0.5, options.today ?? TODAY, { trace: true })
}

const ONE_RULE = (match: string): string => `
routes:
  - name: r
    match: ${match}
    action: { model: claude-haiku-4-5 }
`

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1x1 } }
const SMALL = request()
const SMALL_TOKENS = estimateInputTokens(SMALL)

// Every match key, matching and not matching. `failed` is the condition the trace names.
const MATCH_ROWS: Array<{ name: string; match: string; body?: MessagesRequest; headers?: Headers; matches: boolean; failed?: string }> = [
  { name: 'model glob matches the dated id', match: '{ model: "claude-sonnet-4-5*" }', body: request({ model: 'claude-sonnet-4-5-20250929' }), matches: true },
  { name: 'model glob rejects another model', match: '{ model: "claude-sonnet-4-5*" }', body: request({ model: 'claude-opus-4-6' }), matches: false, failed: 'model' },
  { name: 'model list: any glob', match: '{ model: ["claude-opus-*", "claude-sonnet-4*"] }', matches: true },
  { name: 'model exact id also matches its dated alias (canonical id)', match: '{ model: claude-sonnet-4-5 }', body: request({ model: 'claude-sonnet-4-5-20250929' }), matches: true },
  { name: 'unknown model: glob on the name as sent', match: '{ model: "claude-future-*" }', body: request({ model: 'claude-future-9' }), matches: true },
  { name: 'header equal', match: '{ header: { x-team: support } }', headers: { 'x-team': 'support' }, matches: true },
  { name: 'header different', match: '{ header: { x-team: support } }', headers: { 'x-team': 'sales' }, matches: false, failed: 'header' },
  { name: 'header absent', match: '{ header: { x-team: support } }', matches: false, failed: 'header' },
  { name: 'header glob', match: '{ header: { x-team: "supp*" } }', headers: { 'x-team': 'support-eu' }, matches: true },
  { name: 'header name in the policy is case-insensitive', match: '{ header: { X-Team: support } }', headers: { 'x-team': 'support' }, matches: true },
  { name: 'header repeated: any value', match: '{ header: { x-team: support } }', headers: { 'x-team': ['sales', 'support'] }, matches: true },
  { name: 'all headers must match', match: '{ header: { x-team: support, x-env: prod } }', headers: { 'x-team': 'support', 'x-env': 'dev' }, matches: false, failed: 'header' },
  { name: 'metadata_user_id glob', match: '{ metadata_user_id: "tenant-a:*" }', body: request({ metadata: { user_id: 'tenant-a:42' } }), matches: true },
  { name: 'metadata_user_id other tenant', match: '{ metadata_user_id: "tenant-a:*" }', body: request({ metadata: { user_id: 'tenant-b:42' } }), matches: false, failed: 'metadata_user_id' },
  { name: 'metadata_user_id absent', match: '{ metadata_user_id: "*" }', matches: false, failed: 'metadata_user_id' },
  { name: 'max_input_tokens at the estimate (inclusive)', match: `{ max_input_tokens: ${SMALL_TOKENS} }`, matches: true },
  { name: 'max_input_tokens one below the estimate', match: `{ max_input_tokens: ${SMALL_TOKENS - 1} }`, matches: false, failed: 'max_input_tokens' },
  { name: 'min_input_tokens at the estimate (inclusive)', match: `{ min_input_tokens: ${SMALL_TOKENS} }`, matches: true },
  { name: 'min_input_tokens one above the estimate', match: `{ min_input_tokens: ${SMALL_TOKENS + 1} }`, matches: false, failed: 'min_input_tokens' },
  { name: 'has_tools: false without tools', match: '{ has_tools: false }', matches: true },
  { name: 'has_tools: false with tools', match: '{ has_tools: false }', body: request({ tools: [{ type: 'custom', name: 't', input_schema: {} }] }), matches: false, failed: 'has_tools' },
  { name: 'has_tools: true with tools', match: '{ has_tools: true }', body: request({ tools: [{ name: 't', input_schema: {} } as unknown as ContentBlock] }), matches: true },
  { name: 'has_tools: empty tools list is no tools', match: '{ has_tools: true }', body: request({ tools: [] }), matches: false, failed: 'has_tools' },
  { name: 'has_images: true with an image', match: '{ has_images: true }', body: request({ messages: [{ role: 'user', content: [image] }] }), matches: true },
  { name: 'has_images: false sees an image inside a tool_result', match: '{ has_images: false }', body: request({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [image] }] }] }), matches: false, failed: 'has_images' },
  { name: 'has_images: a PDF counts', match: '{ has_images: true }', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }] }] }), matches: true },
  { name: 'has_images: a text document does not', match: '{ has_images: true }', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hi' } }] }] }), matches: false, failed: 'has_images' },
  { name: 'thinking: true with thinking enabled', match: '{ thinking: true }', body: request({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2000 } }), matches: true },
  { name: 'thinking: true with thinking disabled', match: '{ thinking: true }', body: request({ thinking: { type: 'disabled' } }), matches: false, failed: 'thinking' },
  { name: 'thinking: false without thinking', match: '{ thinking: false }', matches: true },
  { name: 'system_matches on a string system', match: '{ system_matches: "(?i)classif|summar" }', body: request({ system: 'You SUMMARIZE tickets.' }), matches: true },
  { name: 'system_matches on system blocks', match: '{ system_matches: "classif" }', body: request({ system: [{ type: 'text', text: 'x-anthropic-billing' }, { type: 'text', text: 'You classify intents.' }] }), matches: true },
  { name: 'system_matches without a system prompt', match: '{ system_matches: "classif" }', matches: false, failed: 'system_matches' },
  { name: 'empty match: every request', match: '{}', matches: true },
  { name: 'all conditions together', match: '{ model: "claude-sonnet-4*", header: { x-team: support }, max_input_tokens: 8000, has_tools: false, has_images: false, thinking: false }', headers: { 'x-team': 'support' }, matches: true }
]

for (const row of MATCH_ROWS) {
  test(`match: ${row.name}`, () => {
    const decision = run(ONE_RULE(row.match), row.body ?? SMALL, row.headers)
    const requested = (row.body ?? SMALL).model
    assert.equal(decision.targetModel, row.matches ? 'claude-haiku-4-5' : requested)
    assert.equal(decision.rule, row.matches ? 'r' : null)
    const trace = decision.trace?.[0]
    assert.equal(trace?.outcome, row.matches ? 'matched' : 'not_matched')
    assert.equal(trace?.condition, row.failed)
  })
}

test('a rule without match applies to every request', () => {
  assert.equal(run('routes: [{ name: all, action: { model: claude-haiku-4-5 } }]', SMALL).targetModel, 'claude-haiku-4-5')
})

test('no rules: the request goes unchanged', () => {
  const decision = run('routes: []', SMALL)
  assert.deepEqual({ target: decision.targetModel, rule: decision.rule, fallbacks: decision.fallbacks, cache: decision.cache }, { target: 'claude-sonnet-4-5', rule: null, fallbacks: [], cache: undefined })
  assert.match(decision.reason, /no rule matched/)
})

test('first match wins: later matching rules are not evaluated', () => {
  const decision = run(`
routes:
  - { name: first, match: { model: "claude-sonnet-*" }, action: { model: claude-haiku-4-5 } }
  - { name: second, match: { model: "claude-sonnet-*" }, action: { model: claude-opus-4-6 } }
`, SMALL)
  assert.equal(decision.rule, 'first')
  assert.equal(decision.targetModel, 'claude-haiku-4-5')
  assert.deepEqual(decision.trace?.map((t) => t.outcome), ['matched', 'not_evaluated'])
})

test('a non-matching rule falls through to the next', () => {
  const decision = run(`
routes:
  - { name: opus-only, match: { model: "claude-opus-*" }, action: { model: claude-haiku-4-5 } }
  - { name: sonnet, match: { model: "claude-sonnet-*" }, action: { model: claude-opus-4-6 } }
`, SMALL)
  assert.equal(decision.rule, 'sonnet')
})

// Actions.
test('action model + fallback: fallbacks in order, the target itself and duplicates left out', () => {
  const decision = run(`
routes:
  - name: r
    action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5, claude-haiku-4-5, claude-sonnet-4-5, claude-opus-4-6] }
`, request({ model: 'claude-sonnet-4-5' }))
  assert.equal(decision.targetModel, 'claude-haiku-4-5')
  assert.deepEqual(decision.fallbacks, ['claude-sonnet-4-5', 'claude-opus-4-6'])
})

test('fallbacks the capability guard refuses are dropped with a reason', () => {
  const decision = run(`
routes:
  - name: r
    action: { model: claude-haiku-4-5, fallback: [claude-3-haiku, claude-text-small, claude-sonnet-4-5] }
`, request({ model: 'claude-opus-4-6', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2000 }, messages: [{ role: 'user', content: [image] }] }))
  assert.deepEqual(decision.fallbacks, ['claude-sonnet-4-5'])
  assert.deepEqual(decision.droppedFallbacks.map((d) => [d.model, d.reason]), [['claude-3-haiku', 'thinking'], ['claude-text-small', 'vision']])
})

test('a retired fallback is dropped', () => {
  const decision = run('routes: [{ name: r, action: { model: claude-haiku-4-5, fallback: [claude-3-haiku] } }]', SMALL, {}, { today: '2026-05-01' })
  assert.deepEqual(decision.fallbacks, [])
  assert.equal(decision.droppedFallbacks[0]?.reason, 'retired_target')
})

test('a fallback equal to the requested model is never second-guessed', () => {
  const decision = run('routes: [{ name: r, action: { model: claude-opus-4-6, fallback: [claude-text-small] } }]', request({ model: 'claude-text-small', temperature: 1 }))
  assert.deepEqual(decision.fallbacks, ['claude-text-small'])
})

test('action cache: directive passed on; cache: false passed on; no rule → undefined', () => {
  assert.deepEqual(run('routes: [{ name: r, action: { model: claude-haiku-4-5, cache: { ttl: 10m, mode: all } } }]', SMALL).cache, { ttlSeconds: 600, mode: 'all' })
  assert.equal(run('routes: [{ name: r, action: { model: claude-haiku-4-5, cache: false } }]', SMALL).cache, false)
  assert.equal(run('routes: []', SMALL).cache, undefined)
})

test('an action without model or split keeps the requested model but still applies (cache, fallback)', () => {
  const decision = run('routes: [{ name: keep, action: { fallback: [claude-opus-4-6], cache: { ttl: 1h } } }]', SMALL)
  assert.equal(decision.targetModel, 'claude-sonnet-4-5')
  assert.equal(decision.rule, 'keep')
  assert.deepEqual(decision.fallbacks, ['claude-opus-4-6'])
  assert.deepEqual(decision.cache, { ttlSeconds: 3600 })
})

const SPLIT = `
routes:
  - name: canary
    match: { model: "claude-sonnet-4-5*" }
    action:
      split: { claude-haiku-4-5: 10, claude-sonnet-4-5: 90 }
`
const STICKY_USER = SPLIT + '      sticky: metadata_user_id\n'
const STICKY_HEADER = SPLIT + '      sticky: X-Conversation-Id\n'

const SPLIT_ROWS: Array<{ random: number; target: string }> = [
  { random: 0, target: 'claude-haiku-4-5' },
  { random: 0.0999, target: 'claude-haiku-4-5' },
  { random: 0.1, target: 'claude-sonnet-4-5' },
  { random: 0.9999, target: 'claude-sonnet-4-5' }
]
for (const row of SPLIT_ROWS) {
  test(`split 10/90: draw ${row.random} → ${row.target}`, () => {
    assert.equal(run(SPLIT, SMALL, {}, { random: row.random }).targetModel, row.target)
  })
}

/** Deterministic uniform numbers for distribution tests (mulberry32). */
function seeded (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('split: 10,000 draws land within ±1.5 points of the weights', () => {
  const policy = policyOf(SPLIT)
  const next = seeded(42)
  let haiku = 0
  for (let i = 0; i < 10_000; i++) {
    if (decide(toRoutingInput(SMALL, {}), policy, catalog, next(), TODAY).targetModel === 'claude-haiku-4-5') haiku++
  }
  assert.ok(Math.abs(haiku / 10_000 - 0.1) < 0.015, `haiku share ${haiku / 10_000}`)
})

test('sticky split: one key always gets one model, whatever the random draw', () => {
  const policy = policyOf(STICKY_USER)
  for (let user = 0; user < 200; user++) {
    const input = toRoutingInput(request({ metadata: { user_id: `user-${user}` } }), {})
    const targets = new Set([0, 0.05, 0.5, 0.95, 0.9999].map((random) => decide(input, policy, catalog, random, TODAY).targetModel))
    assert.equal(targets.size, 1, `user-${user} moved between models`)
  }
})

test('sticky split: 10,000 keys land within ±1.5 points of the weights', () => {
  const policy = policyOf(STICKY_USER)
  let haiku = 0
  for (let user = 0; user < 10_000; user++) {
    const input = toRoutingInput(request({ metadata: { user_id: `user-${user}` } }), {})
    if (decide(input, policy, catalog, 0.99, TODAY).targetModel === 'claude-haiku-4-5') haiku++
  }
  assert.ok(Math.abs(haiku / 10_000 - 0.1) < 0.015, `haiku share ${haiku / 10_000}`)
})

test('sticky on a header: same header value, same model; policy header name is case-insensitive', () => {
  const policy = policyOf(STICKY_HEADER)
  const pick = (conversation: string, random: number): string => decide(toRoutingInput(SMALL, { 'x-conversation-id': conversation }), policy, catalog, random, TODAY).targetModel
  for (let i = 0; i < 100; i++) assert.equal(pick(`conv-${i}`, 0), pick(`conv-${i}`, 0.99))
  const decision = decide(toRoutingInput(SMALL, { 'x-conversation-id': 'conv-1' }), policy, catalog, 0.5, TODAY)
  assert.match(decision.reason, /sticky on header x-conversation-id/)
})

test('sticky key absent: the random draw decides, and the reason says so', () => {
  const low = run(STICKY_USER, SMALL, {}, { random: 0.01 })
  const high = run(STICKY_USER, SMALL, {}, { random: 0.99 })
  assert.equal(low.targetModel, 'claude-haiku-4-5')
  assert.equal(high.targetModel, 'claude-sonnet-4-5')
  assert.match(low.reason, /sticky key metadata_user_id absent, random draw/)
})

// Capability guard: the rule is skipped with its reason and evaluation continues.
const GUARD_ROWS: Array<{ name: string; target: string; body: MessagesRequest; reason: string; today?: string }> = [
  { name: 'context window: input + max_tokens too big', target: 'claude-text-small', body: request({ max_tokens: 8000, messages: [{ role: 'user', content: 'x'.repeat(350_000) }] }), reason: 'context_window' },
  { name: 'vision: image to a text-only model', target: 'claude-text-small', body: request({ messages: [{ role: 'user', content: [image] }] }), reason: 'vision' },
  { name: 'vision: image inside a tool_result', target: 'claude-text-small', body: request({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [image] }] }] }), reason: 'vision' },
  { name: 'thinking: model without extended thinking', target: 'claude-3-haiku', body: request({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2000 } }), reason: 'thinking' },
  { name: 'thinking: type adaptive unsupported', target: 'claude-haiku-4-5', body: request({ model: 'claude-opus-4-6', thinking: { type: 'adaptive' } }), reason: 'thinking' },
  { name: 'thinking: budget would not fit under the clamped max_tokens', target: 'claude-small-thinker', body: request({ max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 16_000 } }), reason: 'thinking' },
  { name: 'sampling: temperature below 1 on a restricted model', target: 'claude-opus-4-6', body: request({ temperature: 0 }), reason: 'sampling_params' },
  { name: 'sampling: top_p below 0.99 on a restricted model', target: 'claude-opus-4-6', body: request({ top_p: 0.9 }), reason: 'sampling_params' },
  { name: 'sampling: top_k on a restricted model', target: 'claude-opus-4-6', body: request({ top_k: 40 }), reason: 'sampling_params' },
  { name: 'inference_geo on a model that predates it', target: 'claude-haiku-4-5', body: request({ model: 'claude-opus-4-6', inference_geo: 'us' }), reason: 'inference_geo' },
  { name: 'speed fast on a model without fast mode', target: 'claude-haiku-4-5', body: request({ model: 'claude-opus-4-6', speed: 'fast' }), reason: 'speed' },
  { name: 'prefill on a 4.6+ model', target: 'claude-opus-4-6', body: request({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: '{' }] }), reason: 'prefill' },
  { name: 'retired target', target: 'claude-3-haiku', body: SMALL, reason: 'retired_target', today: '2026-05-01' }
]

for (const row of GUARD_ROWS) {
  test(`guard skips: ${row.name}`, () => {
    const decision = run(`
routes:
  - { name: guarded, action: { model: ${row.target} } }
  - { name: next, action: { cache: false } }
`, row.body, {}, { today: row.today ?? TODAY })
    assert.equal(decision.rule, 'next')
    assert.equal(decision.targetModel, row.body.model)
    assert.equal(decision.skipped.length, 1)
    assert.equal(decision.skipped[0]?.rule, 'guarded')
    assert.equal(decision.skipped[0]?.reason, row.reason)
    assert.equal(decision.trace?.[0]?.outcome, 'skipped')
    assert.match(decision.reason, new RegExp(`skipped "guarded" \\(${row.reason}\\)`))
  })
}

const ALLOWED_ROWS: Array<{ name: string; target: string; body: MessagesRequest }> = [
  { name: 'temperature 1 on a restricted model', target: 'claude-opus-4-6', body: request({ temperature: 1 }) },
  { name: 'top_p 0.99 on a restricted model', target: 'claude-opus-4-6', body: request({ top_p: 0.99 }) },
  { name: 'speed standard anywhere', target: 'claude-haiku-4-5', body: request({ speed: 'standard' }) },
  { name: 'thinking budget that fits after the clamp', target: 'claude-small-thinker', body: request({ max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 4000 } }) },
  { name: 'thinking disabled on a model that lists it', target: 'claude-haiku-4-5', body: request({ thinking: { type: 'disabled' } }) },
  { name: 'max_tokens above the target max is clamped, not refused', target: 'claude-text-small', body: request({ max_tokens: 64_000 }) },
  { name: 'prefill on a model that accepts it', target: 'claude-haiku-4-5', body: request({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: '{' }] }) }
]

for (const row of ALLOWED_ROWS) {
  test(`guard allows: ${row.name}`, () => {
    const decision = run(`routes: [{ name: r, action: { model: ${row.target} } }]`, row.body)
    assert.equal(decision.targetModel, row.target)
    assert.deepEqual(decision.skipped, [])
  })
}

test('a split whose pick is refused skips the whole rule', () => {
  const decision = run(`
routes:
  - { name: split, action: { split: { claude-text-small: 1 } } }
`, request({ messages: [{ role: 'user', content: [image] }] }))
  assert.equal(decision.rule, null)
  assert.equal(decision.skipped[0]?.reason, 'vision')
})

// Shadow mode.
test('shadow rule: recorded, nothing applied, evaluation continues to the enforcing rule', () => {
  const decision = run(`
routes:
  - { name: try-haiku, mode: shadow, action: { model: claude-haiku-4-5 } }
  - { name: real, action: { model: claude-opus-4-6 } }
`, SMALL)
  assert.equal(decision.targetModel, 'claude-opus-4-6')
  assert.equal(decision.rule, 'real')
  assert.deepEqual(decision.shadow, { rule: 'try-haiku', targetModel: 'claude-haiku-4-5' })
  assert.deepEqual(decision.trace?.map((t) => t.outcome), ['shadow_matched', 'matched'])
})

test('shadow rule alone: request unchanged, rule null, shadow recorded', () => {
  const decision = run('routes: [{ name: s, mode: shadow, match: { model: "claude-sonnet-*" }, action: { split: { claude-haiku-4-5: 1 } } }]', SMALL)
  assert.equal(decision.targetModel, 'claude-sonnet-4-5')
  assert.equal(decision.rule, null)
  assert.deepEqual(decision.shadow, { rule: 's', targetModel: 'claude-haiku-4-5' })
})

test('only the first matching shadow rule is recorded; a refused shadow rule is a skip', () => {
  const decision = run(`
routes:
  - { name: s0, mode: shadow, action: { model: claude-text-small } }
  - { name: s1, mode: shadow, action: { model: claude-haiku-4-5 } }
  - { name: s2, mode: shadow, action: { model: claude-opus-4-6 } }
`, request({ messages: [{ role: 'user', content: [image] }] }))
  assert.deepEqual(decision.shadow, { rule: 's1', targetModel: 'claude-haiku-4-5' })
  assert.deepEqual(decision.skipped.map((s) => s.rule), ['s0'])
})

// Lifecycle.
test('a retired model is remapped to its replacement, and counted', () => {
  const decision = run('routes: []', request({ model: 'claude-3-5-haiku-20241022' }))
  assert.equal(decision.targetModel, 'claude-3-haiku')
  assert.deepEqual(decision.lifecycleRemap, { from: 'claude-3-5-haiku-20241022', to: 'claude-3-haiku' })
  assert.match(decision.reason, /retired on 2026-02-19; remapped to claude-3-haiku/)
})

test('retirement is decided by the date passed in, not the clock', () => {
  assert.equal(run('routes: []', request({ model: 'claude-3-haiku' }), {}, { today: '2026-04-19' }).lifecycleRemap, null)
  assert.equal(run('routes: []', request({ model: 'claude-3-haiku' }), {}, { today: '2026-04-20' }).targetModel, 'claude-haiku-4-5')
})

test('replacements that are retired too are followed', () => {
  const decision = run('routes: []', request({ model: 'claude-3-5-haiku-latest' }), {}, { today: '2026-05-01' })
  assert.equal(decision.targetModel, 'claude-haiku-4-5')
})

test('a retired model without replacement goes unchanged', () => {
  const decision = run('routes: []', request({ model: 'claude-orphan' }))
  assert.equal(decision.targetModel, 'claude-orphan')
  assert.equal(decision.lifecycleRemap, null)
})

test('rules see both the retired name and its replacement; the rule wins over the remap', () => {
  const decision = run('routes: [{ name: r, match: { model: claude-3-haiku }, action: { model: claude-sonnet-4-5 } }]', request({ model: 'claude-3-5-haiku-20241022' }))
  assert.equal(decision.targetModel, 'claude-sonnet-4-5')
  assert.equal(decision.rule, 'r')
  assert.deepEqual(decision.lifecycleRemap, { from: 'claude-3-5-haiku-20241022', to: 'claude-3-haiku' })
})

// Virtual models.
const VIRTUAL = `
virtual_models:
  - { id: claude-auto, display_name: Auto }
  - { id: claude-fast }
routes:
  - { name: fast-to-auto, match: { model: claude-fast }, action: { model: claude-auto } }
  - { name: auto-short, match: { model: claude-auto, max_input_tokens: 1000 }, action: { model: claude-haiku-4-5 } }
  - { name: auto-tools, match: { model: claude-auto, has_tools: true }, action: { model: claude-sonnet-4-5 } }
`

test('a virtual model is mapped by its rule', () => {
  const decision = run(VIRTUAL, request({ model: 'claude-auto' }))
  assert.equal(decision.targetModel, 'claude-haiku-4-5')
  assert.equal(decision.rule, 'auto-short')
  assert.equal(decision.unroutable, null)
})

test('a virtual model can map to another virtual model', () => {
  const decision = run(VIRTUAL, request({ model: 'claude-fast' }))
  assert.equal(decision.targetModel, 'claude-haiku-4-5')
  assert.equal(decision.rule, 'auto-short')
  assert.match(decision.reason, /via claude-auto/)
  assert.ok(decision.trace?.some((t) => t.evaluatedFor === 'claude-auto' && t.outcome === 'matched'))
})

test('a virtual model no rule serves for this request is unroutable, never forwarded as is', () => {
  const decision = run(VIRTUAL, request({ model: 'claude-auto', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }))
  assert.equal(decision.targetModel, 'claude-auto')
  assert.match(decision.unroutable ?? '', /no rule maps the virtual model "claude-auto"/)
})

test('a keep rule does not serve a virtual model: evaluation moves on', () => {
  const decision = run(`
virtual_models: [{ id: claude-auto }]
routes:
  - { name: cache-everything, action: { cache: { ttl: 5m } } }
  - { name: auto, match: { model: claude-auto }, action: { model: claude-haiku-4-5 } }
`, request({ model: 'claude-auto' }))
  assert.equal(decision.rule, 'auto')
  assert.equal(decision.trace?.[0]?.condition, 'action')
})

test('virtual models mapping to each other in a loop are unroutable', () => {
  const decision = run(`
virtual_models: [{ id: a-virtual }, { id: b-virtual }]
routes:
  - { name: a, match: { model: a-virtual }, action: { model: b-virtual } }
  - { name: b, match: { model: b-virtual }, action: { model: a-virtual } }
`, request({ model: 'a-virtual' }))
  assert.match(decision.unroutable ?? '', /loop/)
})

test('without { trace: true } there is no trace', () => {
  const decision = decide(toRoutingInput(SMALL, {}), policyOf(SPLIT), catalog, 0.5, TODAY)
  assert.equal(decision.trace, undefined)
})
