import { test } from 'node:test'
import assert from 'node:assert/strict'
import { NO_LIMITS, addCost, currentState, exceededLimit, msUntilWindowEnds, spendPeriods, windowOf } from '../../../src/tenancy/limits.js'
import type { Limits, RateCost, WindowState } from '../../../src/tenancy/limits.js'
import { rateLimitHeaders, retryAfterHeaders } from '../../../src/tenancy/rate-headers.js'

const limits = (patch: Partial<Limits>): Limits => ({ ...NO_LIMITS, ...patch })
const state = (requests: number, inputTokens = 0, outputTokens = 0): WindowState => ({ window: 7, requests, inputTokens, outputTokens })
const ONE: RateCost = { requests: 1, inputTokens: 100, outputTokens: 50 }

const CASES: Array<[string, WindowState, RateCost, Limits, string | null]> = [
  ['no limits', state(1000, 1e9, 1e9), ONE, NO_LIMITS, null],
  ['the last request fits', state(2), ONE, limits({ requestsPerMinute: 3 }), null],
  ['one past the limit', state(3), ONE, limits({ requestsPerMinute: 3 }), 'requests_per_minute'],
  ['input exactly at the limit fits', state(0, 900), ONE, limits({ inputTokensPerMinute: 1000 }), null],
  ['input one token over', state(0, 901), ONE, limits({ inputTokensPerMinute: 1000 }), 'input_tokens_per_minute'],
  ['one prompt larger than the whole limit', state(0), { requests: 1, inputTokens: 5000, outputTokens: 0 }, limits({ inputTokensPerMinute: 4000 }), 'input_tokens_per_minute'],
  ['output charged at max_tokens', state(0, 0, 960), ONE, limits({ outputTokensPerMinute: 1000 }), 'output_tokens_per_minute'],
  ['requests are checked first', state(3, 10_000), ONE, limits({ requestsPerMinute: 3, inputTokensPerMinute: 10 }), 'requests_per_minute']
]
for (const [name, current, cost, limit, expected] of CASES) {
  test(`exceededLimit: ${name}`, () => assert.equal(exceededLimit(current, cost, limit)?.name ?? null, expected))
}

test('an older window no longer counts; the current one does', () => {
  assert.deepEqual(currentState(state(5), 8), { window: 8, requests: 0, inputTokens: 0, outputTokens: 0 })
  assert.deepEqual(currentState(state(5), 7), state(5))
  assert.deepEqual(currentState(undefined, 7), { window: 7, requests: 0, inputTokens: 0, outputTokens: 0 })
  assert.deepEqual(addCost(state(1, 10, 10), { requests: 0, inputTokens: -10, outputTokens: 5 }), state(1, 0, 15))
})

test('windows, resets and spend periods follow UTC minutes, days and months', () => {
  const ms = Date.parse('2026-11-30T23:59:45.250Z')
  assert.equal(windowOf(ms), Math.floor(ms / 60_000))
  assert.equal(msUntilWindowEnds(ms), 14_750)
  assert.deepEqual(spendPeriods(ms), { day: '2026-11-30', month: '2026-11' })
  assert.deepEqual(retryAfterHeaders(14_750), { 'retry-after': '15', 'retry-after-ms': '14750' })
  assert.deepEqual(retryAfterHeaders(0), { 'retry-after': '1', 'retry-after-ms': '1' })
})

test('rate-limit headers name the scope with the least left, per kind, and only the kinds that are limited', () => {
  const tenant = limits({ requestsPerMinute: 100, inputTokensPerMinute: 1000 })
  const key = limits({ requestsPerMinute: 5 })
  const counters = [{ requests: 10, inputTokens: 1200, outputTokens: 0, dayPico: 0n, monthPico: 0n }, { requests: 4, inputTokens: 0, outputTokens: 0, dayPico: 0n, monthPico: 0n }]
  assert.deepEqual(rateLimitHeaders([tenant, key], counters, '2026-11-20T12:01:00.000Z'), {
    'anthropic-ratelimit-requests-limit': '5',
    'anthropic-ratelimit-requests-remaining': '1',
    'anthropic-ratelimit-requests-reset': '2026-11-20T12:01:00.000Z',
    'anthropic-ratelimit-input-tokens-limit': '1000',
    'anthropic-ratelimit-input-tokens-remaining': '0',
    'anthropic-ratelimit-input-tokens-reset': '2026-11-20T12:01:00.000Z'
  })
})
