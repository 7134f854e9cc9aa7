// The protection decision as a table: expected cost of this turn staying on the warm model vs moving,
// priced from the shipped catalog, including issue 15's two measured cases (losses avoided).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compareMove } from '../../../src/prompt-cache/compare.js'
import type { PromptCacheView, WarmPrefix } from '../../../src/prompt-cache/state.js'
import type { TtlKind } from '../../../src/prompt-cache/prefix.js'
import { catalog, model, price, sameTokenizerCatalog } from './real-catalog.js'
import type { ModelCatalog } from '../../../src/catalog/types.js'

function view (warm: WarmPrefix[], lastTtl: TtlKind | null): PromptCacheView {
  return { nowMs: 0, lastTtl, asSent: warm, reshaped: warm, thinkingSigner: null }
}

/** tailShare 1: the rows' `estimate` is the estimate of what follows the warm prefix (the new input). */
const warm = (modelId: string, tokens: number, outputTokens: number, ttl: TtlKind = '5m'): WarmPrefix => ({ model: modelId, tokens, ttl, expiresAtMs: 1e15, outputTokens, tailShare: 1 })

interface Row {
  name: string
  from: string
  to: string
  warm: WarmPrefix[]
  estimate: number
  ttl: TtlKind | null
  catalog?: ModelCatalog
  /** Estimated tokens after the warm prefix (base tokenizer). */
  /** Expected pico-USD staying and moving; null = nothing to weigh. */
  stay: number | null
  move?: number
  losesMoney?: boolean
  isDowngrade?: boolean
}

// Prices are micro-USD per MTok = pico-USD per token: Sonnet 4.5 read 300_000, input 3_000_000, output 15_000_000.
const ROWS: Row[] = [
  {
    // Issue 15: "Sonnet 4.5 → Haiku 4.5 with a 50K warm prefix … the switch actually lost $0.0385".
    name: 'measured: Sonnet 4.5 → Haiku 4.5, 50K warm prefix, 2K new input, 500 output',
    from: 'claude-sonnet-4-5', to: 'claude-haiku-4-5', warm: [warm('claude-sonnet-4-5', 50_000, 500)], estimate: 2_000, ttl: '5m',
    stay: 50_000 * 300_000 + 2_000 * 3_000_000 + 500 * 15_000_000, // $0.0285
    move: 50_000 * 1_250_000 + 2_000 * 1_000_000 + 500 * 5_000_000, // $0.067: the prefix written again
    losesMoney: true, isDowngrade: true
  },
  {
    // Issue 15: "Opus 5.5 → Sonnet 4.6 with a cold 1h write … loses $0.459" (equal token counts).
    name: 'measured: Opus 5.5 → Sonnet 4.6, 80K warm, cold 1h write at the target (equal tokenizers)',
    from: 'claude-opus-5-5', to: 'claude-sonnet-4-6', warm: [warm('claude-opus-5-5', 80_000, 600, '1h')], estimate: 2_000, ttl: '1h', catalog: sameTokenizerCatalog,
    stay: 80_000 * 200_000 + 2_000 * 4_000_000 + 600 * 20_000_000, // $0.036
    move: 80_000 * 6_000_000 + 2_000 * 3_000_000 + 600 * 15_000_000, // $0.495
    losesMoney: true, isDowngrade: true
  },
  {
    // The same with the catalog's ratios: Opus 5.5 counts 1.3× the tokens of Sonnet 4.6.
    name: 'measured: Opus 5.5 → Sonnet 4.6 with tokenizer ratios (104K Opus tokens = 80K Sonnet tokens)',
    from: 'claude-opus-5-5', to: 'claude-sonnet-4-6', warm: [warm('claude-opus-5-5', 104_000, 780, '1h')], estimate: 2_000, ttl: '1h',
    stay: 104_000 * 200_000 + 2_600 * 4_000_000 + 780 * 20_000_000, // $0.0468
    move: 80_000 * 6_000_000 + 2_000 * 3_000_000 + 600 * 15_000_000, // $0.495
    losesMoney: true, isDowngrade: true
  },
  {
    name: 'a big new input outweighs the warm prefix: the move still saves',
    from: 'claude-sonnet-4-5', to: 'claude-haiku-4-5', warm: [warm('claude-sonnet-4-5', 5_000, 500)], estimate: 100_000, ttl: '5m',
    stay: 5_000 * 300_000 + 100_000 * 3_000_000 + 500 * 15_000_000,
    move: 5_000 * 1_250_000 + 100_000 * 1_000_000 + 500 * 5_000_000,
    losesMoney: false, isDowngrade: true
  },
  {
    name: 'the target is warm too: it reads its own cache, the move saves',
    from: 'claude-sonnet-4-5', to: 'claude-haiku-4-5', warm: [warm('claude-sonnet-4-5', 50_000, 500), warm('claude-haiku-4-5', 50_000, 500)], estimate: 2_000, ttl: '5m',
    stay: 50_000 * 300_000 + 2_000 * 3_000_000 + 500 * 15_000_000,
    move: 50_000 * 100_000 + 2_000 * 1_000_000 + 500 * 5_000_000,
    losesMoney: false, isDowngrade: true
  },
  {
    name: 'no breakpoint in this request: a cold target pays the prefix as plain input',
    from: 'claude-sonnet-4-5', to: 'claude-haiku-4-5', warm: [warm('claude-sonnet-4-5', 50_000, 500)], estimate: 2_000, ttl: null,
    stay: 50_000 * 300_000 + 2_000 * 3_000_000 + 500 * 15_000_000,
    move: 52_000 * 1_000_000 + 500 * 5_000_000,
    losesMoney: true, isDowngrade: true
  },
  {
    name: 'an upgrade (Haiku → Sonnet) costs more, but is the rule\'s business: not a loss to protect',
    from: 'claude-haiku-4-5', to: 'claude-sonnet-4-5', warm: [warm('claude-haiku-4-5', 50_000, 500)], estimate: 2_000, ttl: '5m',
    stay: 50_000 * 100_000 + 2_000 * 1_000_000 + 500 * 5_000_000,
    move: 50_000 * 3_750_000 + 2_000 * 3_000_000 + 500 * 15_000_000,
    losesMoney: false, isDowngrade: false
  },
  {
    name: 'the current model holds nothing warm: nothing to weigh',
    from: 'claude-sonnet-4-5', to: 'claude-haiku-4-5', warm: [warm('claude-haiku-4-5', 50_000, 500)], estimate: 2_000, ttl: '5m', stay: null
  }
]

for (const row of ROWS) {
  test(`compareMove: ${row.name}`, () => {
    const from = row.catalog ?? catalog
    const result = compareMove({
      view: view(row.warm, row.ttl),
      current: model(row.from, from),
      target: model(row.to, from),
      currentGetsBodyAsSent: true,
      targetGetsBodyAsSent: false,
      estimatedInputTokens: row.estimate,
      maxTokens: 4096,
      price
    })
    if (row.stay === null) return assert.equal(result, null)
    assert.ok(result !== null)
    assert.equal(result.stayPicoUsd, row.stay, 'stay')
    assert.equal(result.movePicoUsd, row.move, 'move')
    assert.equal(result.losesMoney, row.losesMoney, 'losesMoney')
    assert.equal(result.isDowngrade, row.isDowngrade, 'isDowngrade')
  })
}

test('compareMove: the measured cases keep exactly the issue\'s dollars', () => {
  const sonnet = compareMove({ view: view([warm('claude-sonnet-4-5', 50_000, 500)], '5m'), current: model('claude-sonnet-4-5'), target: model('claude-haiku-4-5'), currentGetsBodyAsSent: true, targetGetsBodyAsSent: false, estimatedInputTokens: 2_000, maxTokens: 4096, price })
  assert.equal((sonnet?.movePicoUsd ?? 0) - (sonnet?.stayPicoUsd ?? 0), 38_500_000_000) // $0.0385
  const opus = compareMove({ view: view([warm('claude-opus-5-5', 80_000, 600, '1h')], '1h'), current: model('claude-opus-5-5', sameTokenizerCatalog), target: model('claude-sonnet-4-6', sameTokenizerCatalog), currentGetsBodyAsSent: true, targetGetsBodyAsSent: false, estimatedInputTokens: 2_000, maxTokens: 4096, price })
  assert.equal((opus?.movePicoUsd ?? 0) - (opus?.stayPicoUsd ?? 0), 459_000_000_000) // $0.459
})

test('compareMove: without an earlier answer the expected output is min(max_tokens, 1024)', () => {
  const result = compareMove({ view: view([warm('claude-sonnet-4-5', 50_000, 0)], '5m'), current: model('claude-sonnet-4-5'), target: model('claude-haiku-4-5'), currentGetsBodyAsSent: true, targetGetsBodyAsSent: false, estimatedInputTokens: 0, maxTokens: 200, price })
  assert.equal(result?.stayPicoUsd, 50_000 * 300_000 + 200 * 15_000_000)
})
