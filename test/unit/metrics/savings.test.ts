// Honest savings as tables: routing savings against the requested model *with its own cache state*
// (issue 15's measured cases come out as losses, and the pre-tracking formula's false savings are
// reproduced when the state is unknown), tokenizer conversion, and cache-hit repeat pricing.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { counterfactualUsage, repeatCallUsage, routingDelta } from '../../../src/metrics/savings.js'
import type { TtlKind } from '../../../src/prompt-cache/prefix.js'
import type { Usage } from '../../../src/types/anthropic.js'
import type { ModelCatalog } from '../../../src/catalog/types.js'
import { catalog, model, price, sameTokenizerCatalog } from '../prompt-cache/real-catalog.js'

interface DeltaRow {
  name: string
  served: string
  baseline: string
  usage: Usage
  /** Tokens the baseline held warm (its own tokenizer); null = state unknown. */
  warm: number | null
  ttl: TtlKind | null
  catalog?: ModelCatalog
  /** Signed pico-USD: positive = saved, negative = lost. */
  delta: bigint
}

const HAIKU_TURN: Usage = { input_tokens: 2_000, cache_creation_input_tokens: 50_000, cache_creation: { ephemeral_5m_input_tokens: 50_000, ephemeral_1h_input_tokens: 0 }, output_tokens: 500 }
const SONNET46_TURN: Usage = { input_tokens: 2_000, cache_creation_input_tokens: 80_000, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 80_000 }, output_tokens: 600 }

const ROWS: DeltaRow[] = [
  // Issue 15, case 1: recorded +$0.134, really lost $0.0385.
  { name: 'measured: Sonnet 4.5 warm (50K) → served by Haiku 4.5: a $0.0385 loss', served: 'claude-haiku-4-5', baseline: 'claude-sonnet-4-5', usage: HAIKU_TURN, warm: 50_000, ttl: '5m', delta: -38_500_000_000n },
  { name: 'measured: same turn, state unknown: the pre-tracking formula\'s +$0.134', served: 'claude-haiku-4-5', baseline: 'claude-sonnet-4-5', usage: HAIKU_TURN, warm: null, ttl: '5m', delta: 134_000_000_000n },
  // Issue 15, case 2: recorded +$0.165, really lost $0.459 (equal token counts).
  { name: 'measured: Opus 5.5 warm (80K) → Sonnet 4.6 writing 1h: a $0.459 loss', served: 'claude-sonnet-4-6', baseline: 'claude-opus-5-5', usage: SONNET46_TURN, warm: 80_000, ttl: '1h', catalog: sameTokenizerCatalog, delta: -459_000_000_000n },
  { name: 'measured: same turn, state unknown: the pre-tracking formula\'s +$0.165', served: 'claude-sonnet-4-6', baseline: 'claude-opus-5-5', usage: SONNET46_TURN, warm: null, ttl: '1h', catalog: sameTokenizerCatalog, delta: 165_000_000_000n },
  // With the catalog's ratio (Opus 5.5 counts 1.3×): 104K warm Opus tokens, 2,600 input, 780 output.
  { name: 'Opus 5.5 → Sonnet 4.6 with tokenizer ratios: $0.0468 would have been $0.495', served: 'claude-sonnet-4-6', baseline: 'claude-opus-5-5', usage: SONNET46_TURN, warm: 104_000, ttl: '1h', delta: (104_000n * 200_000n + 2_600n * 4_000_000n + 780n * 20_000_000n) - 495_000_000_000n },
  { name: 'both cold: the downgrade saves the price difference on a cold write', served: 'claude-haiku-4-5', baseline: 'claude-sonnet-4-5', usage: HAIKU_TURN, warm: 0, ttl: '5m', delta: (50_000n * 3_750_000n + 2_000n * 3_000_000n + 500n * 15_000_000n) - 67_000_000_000n },
  { name: 'an upgrade is a signed loss, not dropped', served: 'claude-sonnet-4-5', baseline: 'claude-haiku-4-5', usage: { input_tokens: 1_000, output_tokens: 100 }, warm: 0, ttl: null, delta: (1_000n * 1_000_000n + 100n * 5_000_000n) - (1_000n * 3_000_000n + 100n * 15_000_000n) }
]

for (const row of ROWS) {
  test(`routingDelta: ${row.name}`, () => {
    const from = row.catalog ?? catalog
    assert.equal(routingDelta(row.usage, model(row.served, from), model(row.baseline, from), row.warm, row.ttl, price), row.delta)
  })
}

test('counterfactualUsage: converts tokens between tokenizers and keeps the served 5m/1h split of writes', () => {
  const usage: Usage = { input_tokens: 1_000, cache_creation_input_tokens: 10_000, cache_creation: { ephemeral_5m_input_tokens: 4_000, ephemeral_1h_input_tokens: 6_000 }, cache_read_input_tokens: 10_000, output_tokens: 100 }
  assert.deepEqual(counterfactualUsage(usage, model('claude-sonnet-4-6'), model('claude-sonnet-5'), 13_000, null), {
    input_tokens: 1_300,
    cache_read_input_tokens: 13_000,
    cache_creation_input_tokens: 13_000,
    cache_creation: { ephemeral_5m_input_tokens: 5_200, ephemeral_1h_input_tokens: 7_800 },
    output_tokens: 130
  })
})

test('counterfactualUsage: when the served model only read, the baseline writes at the request\'s TTL', () => {
  const usage: Usage = { input_tokens: 10, cache_read_input_tokens: 1_000, output_tokens: 1 }
  assert.deepEqual(counterfactualUsage(usage, model('claude-haiku-4-5'), model('claude-sonnet-4-5'), 0, '1h').cache_creation, { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1_000 })
})

interface RepeatRow { name: string; ageMs: number; read: number; write5m: number; write1h: number }
const ORIGINAL: Usage = { input_tokens: 100, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 3_000, cache_creation: { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 2_000 }, output_tokens: 50 }
const REPEATS: RepeatRow[] = [
  { name: 'a minute later: every write is now a read', ageMs: 60_000, read: 4_000, write5m: 0, write1h: 0 },
  { name: 'ten minutes later: the 5m write expired, the 1h one is read', ageMs: 600_000, read: 3_000, write5m: 1_000, write1h: 0 },
  { name: 'two hours later: both written again', ageMs: 7_200_000, read: 1_000, write5m: 1_000, write1h: 2_000 }
]
for (const row of REPEATS) {
  test(`repeatCallUsage: ${row.name}`, () => {
    const usage = repeatCallUsage(ORIGINAL, row.ageMs)
    assert.equal(usage.cache_read_input_tokens, row.read)
    assert.deepEqual(usage.cache_creation, { ephemeral_5m_input_tokens: row.write5m, ephemeral_1h_input_tokens: row.write1h })
    assert.equal(usage.input_tokens, 100)
    assert.equal(usage.output_tokens, 50)
  })
}

test('repeatCallUsage: a hit within the TTL saves the repeat\'s price, not the original\'s writes', () => {
  const sonnet = model('claude-sonnet-4-5')
  const original = price(ORIGINAL, sonnet)
  const repeat = price(repeatCallUsage(ORIGINAL, 1_000), sonnet)
  assert.equal(repeat, 100n * 3_000_000n + 4_000n * 300_000n + 50n * 15_000_000n)
  assert.ok(repeat !== null && original !== null && repeat < original)
})
