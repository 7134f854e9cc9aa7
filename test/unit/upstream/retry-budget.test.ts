import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RetryBudget } from '../../../src/upstream/retry-budget.js'
import type { RetryBudgetSettings } from '../../../src/upstream/retry-budget.js'

const SETTINGS: RetryBudgetSettings = { ratio: 0.2, minPerWindow: 2, windowMs: 10_000 }

const CASES: Array<{ name: string; first: number; tries: number; allowed: number; settings?: RetryBudgetSettings }> = [
  { name: 'a quiet gateway still gets the floor', first: 0, tries: 5, allowed: 2 },
  { name: 'floor plus ratio of first attempts', first: 50, tries: 40, allowed: 12 },
  { name: 'ratio 0 and no floor: no fallbacks at all', first: 100, tries: 3, allowed: 0, settings: { ratio: 0, minPerWindow: 0, windowMs: 10_000 } },
  { name: 'ratio 1: one fallback per first attempt', first: 10, tries: 30, allowed: 12, settings: { ratio: 1, minPerWindow: 2, windowMs: 10_000 } }
]

for (const { name, first, tries, allowed, settings = SETTINGS } of CASES) {
  test(name, () => {
    const budget = new RetryBudget()
    for (let i = 0; i < first; i++) budget.recordFirstAttempt(1_000, settings)
    let granted = 0
    for (let i = 0; i < tries; i++) if (budget.tryRetry(1_000, settings)) granted++
    assert.equal(granted, allowed)
  })
}

test('the budget refills as the window rolls past old attempts', () => {
  const budget = new RetryBudget()
  assert.equal(budget.tryRetry(0, SETTINGS), true)
  assert.equal(budget.tryRetry(0, SETTINGS), true)
  assert.equal(budget.tryRetry(5_000, SETTINGS), false)
  assert.equal(budget.tryRetry(11_000, SETTINGS), true)
})
