import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Histogram, Registry } from 'prom-client'
import { LeanHistogram } from '../../../src/metrics/lean-histogram.js'

const BUCKETS = [0.001, 0.01, 0.1, 1]
const CONFIG = { name: 'test_seconds', help: 'A test histogram.', labelNames: ['route', 'model'] as const, buckets: BUCKETS }
// Bounds exactly, between, below the first, above the last, zero and negative.
const OBSERVATIONS: Array<[{ route: string; model: string }, number]> = [
  [{ route: 'messages', model: 'a' }, 0.001],
  [{ route: 'messages', model: 'a' }, 0.0005],
  [{ route: 'messages', model: 'a' }, 0.05],
  [{ route: 'messages', model: 'a' }, 1],
  [{ route: 'messages', model: 'a' }, 7.5],
  [{ route: 'messages', model: 'b "quoted"' }, 0],
  [{ route: 'messages', model: 'b "quoted"' }, -0.2],
  [{ route: 'count_tokens', model: 'a' }, 0.01]
]

test('exposition is line for line what prom-client’s own Histogram prints for the same observations', async () => {
  const theirs = new Registry()
  const ours = new Registry()
  const reference = new Histogram({ ...CONFIG, registers: [theirs] })
  const lean = new LeanHistogram({ ...CONFIG, registers: [ours] })
  for (const [labels, value] of OBSERVATIONS) {
    reference.observe(labels, value)
    lean.observe(labels, value)
  }
  assert.equal(await ours.metrics(), await theirs.metrics())
})

test('a non-finite observation throws at once and leaves the series untouched', async () => {
  const registry = new Registry()
  const lean = new LeanHistogram({ ...CONFIG, registers: [registry] })
  lean.observe({ route: 'messages', model: 'a' }, 0.5)
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => lean.observe({ route: 'messages', model: 'a' }, bad), TypeError)
  assert.match(await registry.metrics(), /^test_seconds_count\{route="messages",model="a"\} 1$/m)
})

test('reset empties every series', async () => {
  const registry = new Registry()
  const lean = new LeanHistogram({ ...CONFIG, registers: [registry] })
  lean.observe({ route: 'messages', model: 'a' }, 0.5)
  lean.reset()
  assert.doesNotMatch(await registry.metrics(), /test_seconds_count/)
})
