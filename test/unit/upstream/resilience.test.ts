// The per-process table of breakers: events, the retry-at time, and its bound (model names come
// from clients).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_TRACKED_MODELS, createResilience } from '../../../src/upstream/resilience.js'
import type { UpstreamConfig } from '../../../src/config/types.js'

const UPSTREAM: UpstreamConfig = {
  url: 'http://127.0.0.1:9',
  connectTimeoutMs: 1000,
  headersTimeoutMs: 1000,
  bodyTimeoutMs: 1000,
  fallbackRetryBudgetMs: 0,
  circuitBreaker: { enabled: true, minFailures: 2, failureRatio: 0.5, windowMs: 10_000, coolDownMs: 5_000 },
  retryBudget: { ratio: 0, minPerWindow: 1, windowMs: 10_000 }
}

function harness () {
  let now = 1_000_000
  const events: string[] = []
  const resilience = createResilience({
    now: () => now,
    events: {
      tracked: (model) => events.push(`tracked ${model}`),
      transition: (model, t) => events.push(`${model} ${t.from}->${t.to}`),
      shortCircuit: (model) => events.push(`skip ${model}`),
      budgetExhausted: () => events.push('budget')
    }
  })
  return { resilience, events, advance: (ms: number) => { now += ms }, now: () => now }
}

test('failures open a breaker; skips, the trial and the close are reported', () => {
  const { resilience, events, advance, now } = harness()
  assert.equal(resilience.admit('m', UPSTREAM), 'allow')
  resilience.record('m', 'failure', 'allow', UPSTREAM)
  resilience.record('m', 'failure', 'allow', UPSTREAM)
  assert.equal(resilience.admit('m', UPSTREAM), 'reject')
  assert.equal(resilience.retryAtMs(['m', 'other'], UPSTREAM), now() + 5_000)
  advance(5_000)
  assert.equal(resilience.admit('m', UPSTREAM), 'trial')
  resilience.record('m', 'success', 'trial', UPSTREAM)
  assert.deepEqual(resilience.states(), [['m', 'closed']])
  assert.deepEqual(events, ['tracked m', 'm closed->open', 'skip m', 'm open->half_open', 'm half_open->closed'])
})

test('body-less calls (no model) and a disabled breaker are never refused', () => {
  const { resilience } = harness()
  const off = { ...UPSTREAM, circuitBreaker: { ...UPSTREAM.circuitBreaker, enabled: false } }
  for (let i = 0; i < 5; i++) resilience.record('', 'failure', 'allow', UPSTREAM)
  assert.equal(resilience.admit('', UPSTREAM), 'allow')
  for (let i = 0; i < 5; i++) resilience.record('m', 'failure', 'allow', off)
  assert.equal(resilience.admit('m', off), 'allow')
})

test('the retry budget reports its exhaustion', () => {
  const { resilience, events } = harness()
  assert.equal(resilience.tryRetry(UPSTREAM), true)
  assert.equal(resilience.tryRetry(UPSTREAM), false)
  assert.deepEqual(events, ['budget'])
})

test('the table is bounded: idle closed breakers make room; beyond the bound new models are not tracked', () => {
  const { resilience, advance } = harness()
  // One failure each (not enough to open) for more models than the bound: the window keeps them.
  for (let i = 0; i < MAX_TRACKED_MODELS + 50; i++) resilience.record(`junk-${i}`, 'failure', 'allow', UPSTREAM)
  assert.equal(resilience.states().length, MAX_TRACKED_MODELS)
  // Once their window has passed they are idle and a new model's failure evicts them.
  advance(20_000)
  resilience.record('new-model', 'failure', 'allow', UPSTREAM)
  assert.deepEqual(resilience.states().map(([model]) => model), ['new-model'])
})
