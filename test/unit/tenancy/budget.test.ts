import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_BUDGET, budgetVerdict } from '../../../src/tenancy/budget.js'
import type { BudgetPolicy, ScopeSpend } from '../../../src/tenancy/budget.js'
import { NO_LIMITS } from '../../../src/tenancy/limits.js'

const USD = 1_000_000_000_000n
const day = (spent: bigint, limit: bigint | null, scope: 'tenant' | 'key' = 'tenant'): ScopeSpend => ({ scope, limits: { ...NO_LIMITS, picoUsdPerDay: limit }, dayPico: spent, monthPico: spent })
const DOWNGRADE: BudgetPolicy = { onExceeded: 'downgrade', downgradeTo: 'claude-haiku-4-5', downgradeAt: 0.8, alertAt: 0.5 }
const canServe = () => null
const cannot = () => 'vision: no vision'

const CASES: Array<[string, ScopeSpend[], BudgetPolicy, string, () => string | null, string]> = [
  ['no budget', [day(100n * USD, null)], DEFAULT_BUDGET, 'claude-sonnet-4-5', canServe, 'allow'],
  ['under the budget', [day(50n * USD, 200n * USD)], DEFAULT_BUDGET, 'claude-sonnet-4-5', canServe, 'allow'],
  ['reject: exactly used up', [day(200n * USD, 200n * USD)], DEFAULT_BUDGET, 'claude-sonnet-4-5', canServe, 'reject'],
  ['reject: one pico short of the budget still passes', [day(200n * USD - 1n, 200n * USD)], DEFAULT_BUDGET, 'claude-sonnet-4-5', canServe, 'allow'],
  ['downgrade below the threshold', [day(159n * USD, 200n * USD)], DOWNGRADE, 'claude-sonnet-4-5', canServe, 'allow'],
  ['downgrade at the threshold', [day(160n * USD, 200n * USD)], DOWNGRADE, 'claude-sonnet-4-5', canServe, 'downgrade'],
  ['downgrade keeps serving past 100%', [day(300n * USD, 200n * USD)], DOWNGRADE, 'claude-sonnet-4-5', canServe, 'downgrade'],
  ['already on the cheaper model', [day(190n * USD, 200n * USD)], DOWNGRADE, 'claude-haiku-4-5', canServe, 'allow'],
  ['guard refuses the downgrade below 100%: served unchanged', [day(190n * USD, 200n * USD)], DOWNGRADE, 'claude-sonnet-4-5', cannot, 'allow'],
  ['guard refuses the downgrade at 100%: refused', [day(200n * USD, 200n * USD)], DOWNGRADE, 'claude-sonnet-4-5', cannot, 'reject'],
  ['a key budget binds before the tenant\'s', [day(1n * USD, 200n * USD), day(5n * USD, 5n * USD, 'key')], DEFAULT_BUDGET, 'claude-sonnet-4-5', canServe, 'reject']
]
for (const [name, spends, policy, target, guard, action] of CASES) {
  test(`budgetVerdict: ${name} → ${action}`, () => assert.equal(budgetVerdict(spends, policy, target, guard).action, action))
}

test('the verdict names the most used budget, and the soft threshold only alerts', () => {
  const verdict = budgetVerdict([day(120n * USD, 200n * USD), day(4n * USD, 5n * USD, 'key')], DOWNGRADE, 'claude-sonnet-4-5', canServe)
  assert.equal(verdict.action, 'downgrade')
  assert.equal(verdict.use?.scope, 'key')
  assert.equal(verdict.use?.ratio, 0.8)
  const soft = budgetVerdict([day(110n * USD, 200n * USD)], DOWNGRADE, 'claude-sonnet-4-5', canServe)
  assert.deepEqual([soft.action, soft.action === 'allow' && soft.alert], ['allow', true])
  const rejected = budgetVerdict([day(5n * USD, 5n * USD, 'key')], DEFAULT_BUDGET, 'x', canServe)
  assert.equal(rejected.action === 'reject' && rejected.message, 'This key has used its daily budget.')
})
