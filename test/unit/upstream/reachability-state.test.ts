import { test } from 'node:test'
import assert from 'node:assert/strict'
import { INITIAL, observe } from '../../../src/upstream/reachability-state.js'
import type { Reachability } from '../../../src/upstream/reachability-state.js'

/** `+` a success, `-` a failure; the states after each observation. */
const ROWS: Array<{ name: string; seq: string; states: Reachability[] }> = [
  { name: 'one success is a verdict', seq: '+', states: ['reachable'] },
  { name: 'failures before any verdict stay unknown until three in a row', seq: '---', states: ['unknown', 'unknown', 'unreachable'] },
  { name: 'two failures do not take a reachable upstream down', seq: '+--+--+', states: ['reachable', 'reachable', 'reachable', 'reachable', 'reachable', 'reachable', 'reachable'] },
  { name: 'three failures in a row do', seq: '+---', states: ['reachable', 'reachable', 'reachable', 'unreachable'] },
  { name: 'one success does not bring it back; two in a row do', seq: '---+-++', states: ['unknown', 'unknown', 'unreachable', 'unreachable', 'unreachable', 'unreachable', 'reachable'] },
  { name: 'alternating outcomes never flap', seq: '+-+-+-+-', states: Array<Reachability>(8).fill('reachable') }
]

for (const row of ROWS) {
  test(`reachability: ${row.name}`, () => {
    let state = INITIAL
    const seen: Reachability[] = []
    let now = 1000
    for (const step of row.seq) {
      state = observe(state, step === '+' ? null : 'connect ECONNREFUSED', now++)
      seen.push(state.state)
    }
    assert.deepEqual(seen, row.states)
  })
}

test('reachability keeps the cause and when the state changed', () => {
  let state = observe(INITIAL, null, 10)
  assert.deepEqual([state.sinceMs, state.lastError], [10, null])
  for (const at of [20, 30, 40]) state = observe(state, 'connect ECONNREFUSED 10.0.0.5:443', at)
  assert.deepEqual([state.state, state.sinceMs, state.checkedAtMs, state.lastError], ['unreachable', 40, 40, 'connect ECONNREFUSED 10.0.0.5:443'])
  state = observe(state, null, 50)
  assert.deepEqual([state.state, state.lastError], ['unreachable', 'connect ECONNREFUSED 10.0.0.5:443'])
  state = observe(state, null, 60)
  assert.deepEqual([state.state, state.sinceMs, state.lastError], ['reachable', 60, null])
})
