import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BodyBudget, defaultBodyBudgetBytes } from '../../../src/server/body-budget.js'
import { connectionsCheckingIntervalMs, timeoutsProblem } from '../../../src/server/timeouts.js'

const MiB = 1024 * 1024

test('the body budget admits while there is room, refuses without reserving, and takes back what is released', () => {
  const budget = new BodyBudget(10)
  assert.equal(budget.tryTake(6), true)
  assert.equal(budget.tryTake(5), false)
  assert.equal(budget.used, 6, 'a refusal reserves nothing')
  assert.equal(budget.tryTake(4), true)
  budget.release(6)
  assert.equal(budget.used, 4)
  budget.release(100)
  assert.equal(budget.used, 0, 'never below zero')
})

const DEFAULT_BUDGETS: Array<[number, number]> = [
  [4096 * MiB, 512 * MiB],
  [384 * MiB, 48 * MiB],
  [64 * MiB, 16 * MiB],
  [64 * 1024 * MiB, 1024 * MiB]
]
for (const [heap, budget] of DEFAULT_BUDGETS) {
  test(`default body budget for a ${heap / MiB} MiB heap: ${budget / MiB} MiB`, () => assert.equal(defaultBodyBudgetBytes(heap), budget))
}

const INTERVALS: Array<[number, number, number]> = [
  // headers, request → checking interval
  [60_000, 300_000, 1000],
  [10_000, 300_000, 250],
  [400, 800, 25],
  [100, 100, 25]
]
for (const [headersMs, requestMs, interval] of INTERVALS) {
  test(`timeouts ${headersMs}/${requestMs} ms are checked every ${interval} ms`, () => {
    assert.equal(connectionsCheckingIntervalMs({ headersMs, requestMs, keepAliveMs: 1 }), interval)
  })
}

test('a header timeout longer than the request timeout is a problem (Node refuses it)', () => {
  assert.equal(timeoutsProblem({ headersMs: 1000, requestMs: 1000, keepAliveMs: 1 }), null)
  assert.match(timeoutsProblem({ headersMs: 1001, requestMs: 1000, keepAliveMs: 1 }) ?? '', /must not exceed/)
})
