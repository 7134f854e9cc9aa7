import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { compileCatalog } from '../../../src/catalog/compile.js'
import { picoToUsd, priceUsage, tokenBreakdown } from '../../../src/metrics/cost.js'
import type { CostModifiers } from '../../../src/metrics/cost.js'
import type { Usage } from '../../../src/types/anthropic.js'

const compiled = compileCatalog(parse(readFileSync(new URL('../../../config/models.yaml', import.meta.url), 'utf8')))
assert.ok('catalog' in compiled)
const catalog = compiled.catalog

const TODAY: CostModifiers = { isoDate: '2026-11-24', batch: false, inferenceGeo: undefined, speed: undefined }

// Each expected value is computed by hand in USD from the published per-MTok prices.
const CASES: Array<{ name: string; model: string; usage: Usage; modifiers?: Partial<CostModifiers>; usd: number }> = [
  { name: 'Sonnet 4.5 input + output', model: 'claude-sonnet-4-5', usage: { input_tokens: 1000, output_tokens: 100 }, usd: (1000 * 3 + 100 * 15) / 1e6 },
  { name: 'Haiku 4.5 with cache read and a 5m write (no breakdown)', model: 'claude-haiku-4-5', usage: { input_tokens: 100, cache_read_input_tokens: 5000, cache_creation_input_tokens: 2000, output_tokens: 300 }, usd: (100 * 1 + 5000 * 0.1 + 2000 * 1.25 + 300 * 5) / 1e6 },
  { name: 'Opus 4.5 with a 5m/1h breakdown', model: 'claude-opus-4-5', usage: { input_tokens: 2048, cache_creation_input_tokens: 248, cache_creation: { ephemeral_5m_input_tokens: 148, ephemeral_1h_input_tokens: 100 }, cache_read_input_tokens: 1800, output_tokens: 503 }, usd: (2048 * 5 + 148 * 6.25 + 100 * 10 + 1800 * 0.5 + 503 * 25) / 1e6 },
  { name: 'Haiku 3 rounded cache prices', model: 'claude-3-haiku-20240307', usage: { input_tokens: 10, cache_creation_input_tokens: 1000, cache_read_input_tokens: 1000, output_tokens: 10 }, modifiers: { isoDate: '2026-01-01' }, usd: (10 * 0.25 + 1000 * 0.3 + 1000 * 0.03 + 10 * 1.25) / 1e6 },
  { name: 'batch halves everything', model: 'claude-sonnet-4-5', usage: { input_tokens: 1000, output_tokens: 100 }, modifiers: { batch: true }, usd: (1000 * 3 + 100 * 15) / 2 / 1e6 },
  { name: 'US residency ×1.1 on a 4.6+ model', model: 'claude-opus-4-6', usage: { input_tokens: 1000, output_tokens: 100 }, modifiers: { inferenceGeo: 'us' }, usd: (1000 * 5 + 100 * 25) * 1.1 / 1e6 },
  { name: 'US residency ignored on a model without it', model: 'claude-haiku-4-5', usage: { input_tokens: 1000, output_tokens: 100 }, modifiers: { inferenceGeo: 'us' }, usd: (1000 * 1 + 100 * 5) / 1e6 },
  { name: 'batch and residency together', model: 'claude-sonnet-4-6', usage: { input_tokens: 333, output_tokens: 77 }, modifiers: { batch: true, inferenceGeo: 'us' }, usd: (333 * 3 + 77 * 15) * 0.55 / 1e6 },
  { name: 'Sonnet 4.5 long context: prompt over 200K bills every token at premium', model: 'claude-sonnet-4-5', usage: { input_tokens: 150000, cache_read_input_tokens: 60000, output_tokens: 1000 }, usd: (150000 * 6 + 60000 * 0.6 + 1000 * 22.5) / 1e6 },
  { name: 'Sonnet 4.5 exactly 200K stays on standard rates', model: 'claude-sonnet-4-5', usage: { input_tokens: 200000, output_tokens: 1000 }, usd: (200000 * 3 + 1000 * 15) / 1e6 },
  { name: 'Opus 4.6 over 200K before 2026-03-14 is premium', model: 'claude-opus-4-6', usage: { input_tokens: 300000, output_tokens: 100 }, modifiers: { isoDate: '2026-03-01' }, usd: (300000 * 10 + 100 * 37.5) / 1e6 },
  { name: 'Opus 4.6 over 200K from 2026-03-14 is standard', model: 'claude-opus-4-6', usage: { input_tokens: 300000, output_tokens: 100 }, usd: (300000 * 5 + 100 * 25) / 1e6 },
  { name: 'Haiku 5.5 prompt band over 100K includes output', model: 'claude-haiku-5-5', usage: { input_tokens: 90000, cache_creation_input_tokens: 20000, output_tokens: 1000 }, usd: (90000 * 0.5 + 20000 * 0.625 + 1000 * 2.5) / 1e6 },
  { name: 'Sonnet 5.5 cache read before its price cut', model: 'claude-sonnet-5-5', usage: { cache_read_input_tokens: 1_000_000 }, modifiers: { isoDate: '2026-10-06' }, usd: 0.2 },
  { name: 'Sonnet 5.5 cache read after its price cut', model: 'claude-sonnet-5-5', usage: { cache_read_input_tokens: 1_000_000 }, usd: 0.1 },
  { name: 'fast mode prices on Opus 5', model: 'claude-opus-5', usage: { input_tokens: 1000, output_tokens: 1000 }, modifiers: { speed: 'fast' }, usd: (1000 * 10 + 1000 * 50) / 1e6 },
  { name: 'web search $10 per 1,000', model: 'claude-sonnet-4-5', usage: { input_tokens: 0, output_tokens: 0, server_tool_use: { web_search_requests: 3 } }, usd: 0.03 },
  { name: 'null and missing fields count as zero', model: 'claude-haiku-4-5', usage: { input_tokens: null, output_tokens: 10, cache_read_input_tokens: null, cache_creation: null }, usd: 10 * 5 / 1e6 }
]

for (const c of CASES) {
  test(`cost: ${c.name}`, () => {
    const model = catalog.resolve(c.model)
    assert.ok(model, c.model)
    const cost = priceUsage(c.usage, model, { ...TODAY, ...c.modifiers })
    assert.ok(Math.abs(picoToUsd(cost.picoUsd) - c.usd) < 1e-12, `${picoToUsd(cost.picoUsd)} vs ${c.usd}`)
  })
}

test('pico-USD is exact for a price that floats cannot hold', () => {
  const model = catalog.resolve('claude-haiku-5-5')
  assert.ok(model)
  // $0.01/MTok × 1/2 × 1.1 = 5.5 nano-USD per token: exact in pico-USD.
  const cost = priceUsage({ cache_read_input_tokens: 1 }, model, { ...TODAY, batch: true, inferenceGeo: 'us' })
  assert.equal(cost.picoUsd, 5500n)
})

test('token breakdown is disjoint: a cache_creation breakdown replaces the 5m default', () => {
  assert.deepEqual(tokenBreakdown({ input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3, cache_creation_input_tokens: 9, cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 5 } }),
    { input: 1, output: 2, cacheRead: 3, cacheWrite5m: 4, cacheWrite1h: 5 })
  assert.deepEqual(tokenBreakdown({ cache_creation_input_tokens: 9 }), { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 9, cacheWrite1h: 0 })
})
