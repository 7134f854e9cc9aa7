// The breaker's state machine, driven by a hand-held clock: each row is (time, event, expected).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CircuitBreaker } from '../../../src/upstream/circuit-breaker.js'
import type { Admission, AttemptVerdict, BreakerSettings, BreakerState } from '../../../src/upstream/circuit-breaker.js'

const SETTINGS: BreakerSettings = { enabled: true, minFailures: 3, failureRatio: 0.5, windowMs: 10_000, coolDownMs: 5_000 }

type Row =
  | { t: number; admit: Admission; state: BreakerState }
  | { t: number; record: AttemptVerdict; trial?: boolean; state: BreakerState }

function run (rows: readonly Row[], settings: BreakerSettings = SETTINGS): void {
  const breaker = new CircuitBreaker()
  rows.forEach((row, i) => {
    if ('admit' in row) assert.equal(breaker.admit(row.t, settings).admission, row.admit, `row ${i}: admission`)
    else breaker.record(row.t, row.record, row.trial ?? false, settings)
    assert.equal(breaker.state(), row.state, `row ${i}: state`)
  })
}

const CASES: Array<{ name: string; rows: Row[]; settings?: BreakerSettings }> = [
  {
    name: 'opens on the min_failures-th failure in the window, then rejects',
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 100, record: 'failure', state: 'closed' },
      { t: 200, admit: 'allow', state: 'closed' },
      { t: 200, record: 'failure', state: 'open' },
      { t: 300, admit: 'reject', state: 'open' },
      { t: 4_999, admit: 'reject', state: 'open' }
    ]
  },
  {
    name: 'failures spread wider than the window do not open it',
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 6_000, record: 'failure', state: 'closed' },
      { t: 12_500, record: 'failure', state: 'closed' },
      { t: 12_600, admit: 'allow', state: 'closed' }
    ]
  },
  {
    name: 'a busy model with a small share of failures stays closed (failure_ratio)',
    rows: [
      ...Array.from({ length: 10 }, (_, i): Row => ({ t: i * 10, record: 'success', state: 'closed' })),
      { t: 200, record: 'failure', state: 'closed' },
      { t: 210, record: 'failure', state: 'closed' },
      { t: 220, record: 'failure', state: 'closed' },
      { t: 230, record: 'failure', state: 'closed' },
      { t: 240, record: 'failure', state: 'closed' },
      { t: 250, record: 'failure', state: 'closed' },
      { t: 260, record: 'failure', state: 'closed' },
      // 10 failures of 20 attempts: the ratio is reached.
      { t: 270, record: 'failure', state: 'closed' },
      { t: 280, record: 'failure', state: 'closed' },
      { t: 290, record: 'failure', state: 'open' }
    ]
  },
  {
    name: '429 and client cancellations (neutral) never open it',
    rows: [
      ...Array.from({ length: 8 }, (_, i): Row => ({ t: i, record: 'neutral', state: 'closed' })),
      { t: 10, admit: 'allow', state: 'closed' }
    ]
  },
  {
    name: 'after the cool-down one trial goes out, the others are rejected; its success closes it',
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'open' },
      { t: 5_000, admit: 'trial', state: 'half_open' },
      { t: 5_001, admit: 'reject', state: 'half_open' },
      { t: 5_100, record: 'success', trial: true, state: 'closed' },
      { t: 5_101, admit: 'allow', state: 'closed' },
      // The window was cleared: two new failures are not enough.
      { t: 5_200, record: 'failure', state: 'closed' },
      { t: 5_300, record: 'failure', state: 'closed' }
    ]
  },
  {
    name: 'a failed trial re-opens it for a whole new cool-down',
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'open' },
      { t: 6_000, admit: 'trial', state: 'half_open' },
      { t: 7_000, record: 'failure', trial: true, state: 'open' },
      { t: 11_999, admit: 'reject', state: 'open' },
      { t: 12_000, admit: 'trial', state: 'half_open' }
    ]
  },
  {
    name: 'a trial the client cancelled frees the slot for the next request',
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'open' },
      { t: 5_000, admit: 'trial', state: 'half_open' },
      { t: 5_050, record: 'neutral', trial: true, state: 'half_open' },
      { t: 5_060, admit: 'trial', state: 'half_open' }
    ]
  },
  {
    name: 'a trial that never reports back does not wedge it: another after a cool-down',
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'open' },
      { t: 5_000, admit: 'trial', state: 'half_open' },
      { t: 9_999, admit: 'reject', state: 'half_open' },
      { t: 10_000, admit: 'trial', state: 'half_open' }
    ]
  },
  {
    name: 'late answers to requests admitted before it opened change nothing',
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'open' },
      { t: 10, record: 'success', state: 'open' },
      { t: 20, admit: 'reject', state: 'open' }
    ]
  },
  {
    name: 'disabled: always allows, never opens',
    settings: { ...SETTINGS, enabled: false },
    rows: [
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'closed' },
      { t: 0, record: 'failure', state: 'closed' },
      { t: 1, admit: 'allow', state: 'closed' }
    ]
  }
]

for (const { name, rows, settings } of CASES) test(name, () => run(rows, settings))

test('transitions are reported once each, with where they came from', () => {
  const breaker = new CircuitBreaker()
  const seen: string[] = []
  const note = (t: { from: string; to: string } | null): void => { if (t !== null) seen.push(`${t.from}->${t.to}`) }
  for (let i = 0; i < 5; i++) note(breaker.record(0, 'failure', false, SETTINGS))
  note(breaker.admit(5_000, SETTINGS).transition)
  note(breaker.admit(5_001, SETTINGS).transition)
  note(breaker.record(5_002, 'success', true, SETTINGS))
  assert.deepEqual(seen, ['closed->open', 'open->half_open', 'half_open->closed'])
  assert.equal(breaker.retryAtMs(SETTINGS), 5_000)
})
