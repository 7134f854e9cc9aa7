import { test } from 'node:test'
import assert from 'node:assert/strict'
import { lifecycleWarnings } from '../../../src/policy/lifecycle-warnings.js'
import { catalog, policyOf } from './fixtures.js'

// claude-3-haiku retires 2026-04-20 (replacement claude-haiku-4-5); claude-orphan on 2026-01-01, no replacement.
const POLICY = policyOf(`
routes:
  - name: single
    match: { model: claude-sonnet-4-5 }
    action: { model: claude-3-haiku, fallback: [claude-haiku-4-5, claude-orphan] }
  - name: split
    action: { split: { claude-haiku-4-5: 1, claude-3-haiku: 1 } }
  - name: keeps
    action: { fallback: [claude-haiku-4-5] }
`)

const ROWS: Array<{ today: string; expected: string[] }> = [
  {
    today: '2026-03-01',
    expected: ['routes[0].action.fallback[1]: claude-orphan retired on 2026-01-01: requests skip this target']
  },
  {
    today: '2026-03-21',
    expected: [
      'routes[0].action.model: claude-3-haiku retires on 2026-04-20 (in 30 days): from then on requests skip this target; use claude-haiku-4-5',
      'routes[0].action.fallback[1]: claude-orphan retired on 2026-01-01: requests skip this target',
      'routes[1].action.split.claude-3-haiku: claude-3-haiku retires on 2026-04-20 (in 30 days): from then on requests skip this target; use claude-haiku-4-5'
    ]
  },
  {
    today: '2026-04-19',
    expected: [
      'routes[0].action.model: claude-3-haiku retires on 2026-04-20 (in 1 day): from then on requests skip this target; use claude-haiku-4-5',
      'routes[0].action.fallback[1]: claude-orphan retired on 2026-01-01: requests skip this target',
      'routes[1].action.split.claude-3-haiku: claude-3-haiku retires on 2026-04-20 (in 1 day): from then on requests skip this target; use claude-haiku-4-5'
    ]
  },
  {
    today: '2026-04-20',
    expected: [
      'routes[0].action.model: claude-3-haiku retired on 2026-04-20: requests skip this target; use claude-haiku-4-5',
      'routes[0].action.fallback[1]: claude-orphan retired on 2026-01-01: requests skip this target',
      'routes[1].action.split.claude-3-haiku: claude-3-haiku retired on 2026-04-20: requests skip this target; use claude-haiku-4-5'
    ]
  }
]

for (const row of ROWS) {
  test(`lifecycle warnings on ${row.today}`, () => {
    assert.deepEqual(lifecycleWarnings(POLICY, catalog, row.today).map((w) => `${w.path}: ${w.message}`), row.expected)
  })
}

test('the suggested replacement is the first one still served (claude-3-5-haiku → claude-3-haiku, retired too → claude-haiku-4-5)', () => {
  const policy = policyOf('routes: [{ name: r, action: { model: claude-3-5-haiku } }]')
  assert.deepEqual(lifecycleWarnings(policy, catalog, '2026-05-01').map((w) => w.message), ['claude-3-5-haiku retired on 2026-02-19: requests skip this target; use claude-haiku-4-5'])
  assert.deepEqual(lifecycleWarnings(policy, catalog, '2026-03-01').map((w) => w.message), ['claude-3-5-haiku retired on 2026-02-19: requests skip this target; use claude-3-haiku'])
})

test('a policy without retiring targets has no warnings', () => {
  assert.deepEqual(lifecycleWarnings(policyOf('routes: [{ name: r, action: { model: claude-haiku-4-5 } }]'), catalog, '2026-04-20'), [])
})
