import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decide } from '../../../src/policy/decide.js'
import { explain } from '../../../src/policy/explain.js'
import { toRoutingInput } from '../../../src/policy/input.js'
import { TODAY, catalog, policyOf, request } from './fixtures.js'

const POLICY = policyOf(`
routes:
  - { name: opus-only, match: { model: "claude-opus-*" }, action: { model: claude-haiku-4-5 } }
  - { name: short-only, match: { max_input_tokens: 5 }, action: { model: claude-haiku-4-5 } }
  - { name: needs-vision, action: { model: claude-text-small } }
  - { name: would-canary, mode: shadow, action: { split: { claude-haiku-4-5: 1 } } }
  - { name: to-haiku, match: { model: "claude-sonnet-*" }, action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5] } }
  - { name: never-reached, action: { model: claude-opus-4-6 } }
`)

const image = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }

test('explain: one line per rule saying matched, skipped with why, or which condition failed', () => {
  const input = toRoutingInput(request({ messages: [{ role: 'user', content: [image] }] }), {})
  const explanation = explain(decide(input, POLICY, catalog, 0.5, TODAY, { trace: true }), input)
  assert.deepEqual(explanation.rules, [
    '✗ opus-only: not matched: model: model "claude-sonnet-4-5" does not match claude-opus-*',
    `✗ short-only: not matched: max_input_tokens: estimated input ~${input.estimatedInputTokens} tokens > max_input_tokens 5`,
    '⚠ needs-vision: skipped: vision: claude-text-small has no vision, the request has images or PDFs',
    '◐ would-canary [shadow]: shadow matched: would route to claude-haiku-4-5 (claude-sonnet-4-5 → claude-haiku-4-5 (split, random draw 0.5000)); shadow rules change nothing',
    '✓ to-haiku: matched: claude-sonnet-4-5 → claude-haiku-4-5',
    '· never-reached: not evaluated: an earlier rule matched first'
  ])
  assert.equal(explanation.summary, 'claude-sonnet-4-5 is sent as claude-haiku-4-5 by rule "to-haiku"; fallbacks: claude-sonnet-4-5; 1 rule(s) skipped by the capability guard; shadow rule "would-canary" would have sent it to claude-haiku-4-5.')
  assert.equal(explanation.request.hasImages, true)
  assert.equal(explanation.trace.length, 6)
})

test('explain: no rule matched', () => {
  const input = toRoutingInput(request({ model: 'claude-3-haiku' }), {})
  const policy = policyOf('routes: [{ name: a, match: { model: x }, action: { model: claude-haiku-4-5 } }]')
  const explanation = explain(decide(input, policy, catalog, 0.5, TODAY, { trace: true }), input)
  assert.equal(explanation.summary, 'claude-3-haiku is sent unchanged (no rule matched).')
})

test('explain: retired model', () => {
  const input = toRoutingInput(request({ model: 'claude-3-5-haiku-20241022' }), {})
  const explanation = explain(decide(input, policyOf('routes: []'), catalog, 0.5, TODAY, { trace: true }), input)
  assert.equal(explanation.summary, 'claude-3-5-haiku-20241022 is sent as claude-3-haiku because it is retired.')
})

test('explain: unroutable virtual model', () => {
  const policy = policyOf('virtual_models: [{ id: claude-auto }]\nroutes: [{ name: a, match: { model: claude-auto, has_tools: true }, action: { model: claude-haiku-4-5 } }]')
  const input = toRoutingInput(request({ model: 'claude-auto' }), {})
  const explanation = explain(decide(input, policy, catalog, 0.5, TODAY, { trace: true }), input)
  assert.equal(explanation.summary, 'claude-auto cannot be served: no rule maps the virtual model "claude-auto" for this request.')
  assert.deepEqual(explanation.rules, ['✗ a: not matched: has_tools: has_tools is false, the rule wants true'])
})

test('explain: the explanation is plain JSON', () => {
  const input = toRoutingInput(request(), { 'x-team': 'a' })
  const explanation = explain(decide(input, POLICY, catalog, 0.5, TODAY, { trace: true }), input)
  assert.deepEqual(JSON.parse(JSON.stringify(explanation)), explanation)
})
