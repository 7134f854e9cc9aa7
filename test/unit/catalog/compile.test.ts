import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { compileCatalog } from '../../../src/catalog/compile.js'
import { priceScheduleAt } from '../../../src/catalog/price-at.js'
import type { ModelCatalog, PriceRow } from '../../../src/catalog/types.js'

const raw = parse(readFileSync(new URL('../../../config/models.yaml', import.meta.url), 'utf8')) as { models: Array<Record<string, unknown>> }

function shipped (): ModelCatalog {
  const result = compileCatalog(raw)
  assert.ok('catalog' in result, JSON.stringify(result))
  return result.catalog
}

test('every shipped model resolves by its id and by each alias, and ignores a [1m] suffix', () => {
  const catalog = shipped()
  for (const model of catalog.models) {
    assert.equal(catalog.resolve(model.id), model)
    for (const alias of model.aliases) assert.equal(catalog.resolve(alias), model, alias)
    assert.equal(catalog.resolve(`${model.id}[1m]`), model)
  }
  assert.equal(catalog.resolve('claude-sonnet-4-5-20250929')?.id, 'claude-sonnet-4-5')
  assert.equal(catalog.resolve('gpt-4o'), undefined)
})

test('every price cell times every modifier is a whole number of pico-USD per token', () => {
  // batch ×1/2, US residency ×11/10, and both together.
  const modifiers: Array<[number, number]> = [[1, 1], [1, 2], [11, 10], [11, 20]]
  for (const model of shipped().models) {
    for (const schedule of model.prices) {
      const rows: PriceRow[] = [schedule.base, ...(schedule.band ? [schedule.band.prices] : []), ...(schedule.fast ? [schedule.fast] : [])]
      for (const row of rows) {
        for (const value of Object.values(row)) {
          assert.ok(Number.isInteger(value), `${model.id} ${value}`)
          for (const [num, den] of modifiers) assert.equal((value * num) % den, 0, `${model.id}: ${value} × ${num}/${den}`)
        }
      }
    }
  }
})

const SPOT: Array<[string, string, Partial<PriceRow>]> = [
  ['claude-sonnet-4-5', '2026-11-24', { input: 3_000_000, cacheWrite5m: 3_750_000, cacheWrite1h: 6_000_000, cacheRead: 300_000, output: 15_000_000 }],
  ['claude-haiku-4-5', '2026-11-24', { input: 1_000_000, output: 5_000_000, cacheRead: 100_000 }],
  ['claude-3-haiku', '2026-01-01', { input: 250_000, cacheWrite5m: 300_000, cacheWrite1h: 500_000, cacheRead: 30_000, output: 1_250_000 }],
  ['claude-opus-5-5', '2026-11-24', { cacheRead: 200_000 }],
  ['claude-sonnet-5-5', '2026-10-06', { cacheRead: 200_000 }],
  ['claude-sonnet-5-5', '2026-10-07', { cacheRead: 100_000 }],
  ['claude-haiku-5-5', '2026-11-24', { input: 100_000, cacheWrite5m: 125_000, cacheRead: 10_000 }]
]
for (const [id, date, expected] of SPOT) {
  test(`published prices: ${id} on ${date}`, () => {
    const model = shipped().resolve(id)
    assert.ok(model)
    const base = priceScheduleAt(model, date)?.base
    for (const [key, value] of Object.entries(expected)) assert.equal(base?.[key as keyof PriceRow], value, key)
  })
}

test('bands: Sonnet 4.5 long context over 200K, Opus 4.6 only until 2026-03-14, Haiku 5.5 over 100K', () => {
  const catalog = shipped()
  const sonnet = catalog.resolve('claude-sonnet-4-5')
  assert.equal(sonnet && priceScheduleAt(sonnet, '2026-11-24')?.band?.prices.output, 22_500_000)
  const opus = catalog.resolve('claude-opus-4-6')
  assert.ok(opus)
  assert.equal(priceScheduleAt(opus, '2026-03-01')?.band?.overPromptTokens, 200_000)
  assert.equal(priceScheduleAt(opus, '2026-03-14')?.band, undefined)
  const haiku = catalog.resolve('claude-haiku-5-5')
  assert.equal(haiku && priceScheduleAt(haiku, '2026-11-24')?.band?.overPromptTokens, 100_000)
})

const INVALID: Array<[string, unknown, string]> = [
  ['no models list', {}, 'models'],
  ['duplicate id', { models: [raw.models[0], raw.models[0]] }, 'models[1].id'],
  ['unknown key', { models: [{ ...raw.models[0], colour: 'red' }] }, 'models[0].colour'],
  ['negative price', { models: [{ ...raw.models[0], prices: [{ effective_from: '2026-01-01', base: { input: -1, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1 } }] }] }, 'models[0].prices[0].base.input'],
  ['sub-micro price', { models: [{ ...raw.models[0], prices: [{ effective_from: '2026-01-01', base: { input: 0.0000001, cache_write_5m: 1, cache_write_1h: 1, cache_read: 1, output: 1 } }] }] }, 'models[0].prices[0].base.input'],
  ['bad date', { models: [{ ...raw.models[0], retires_at: 'soon' }] }, 'models[0].retires_at'],
  ['unknown replacement', { models: [{ ...raw.models[0], replacement: 'claude-nope' }] }, 'models.claude-opus-4-5.replacement'],
  ['bad thinking type', { models: [{ ...raw.models[0], thinking_types: ['sometimes'] }] }, 'models[0].thinking_types']
]
for (const [name, input, path] of INVALID) {
  test(`invalid catalog: ${name} → issue at ${path}`, () => {
    const result = compileCatalog(input)
    assert.ok('issues' in result)
    assert.ok(result.issues.some((issue) => issue.path === path), JSON.stringify(result.issues))
  })
}

test('overrides replace keys of an existing model and add new ones', () => {
  const result = compileCatalog(raw, [
    { id: 'claude-haiku-4-5', max_output_tokens: 8192 },
    { ...raw.models[0], id: 'acme-claude-proxy', aliases: ['acme'] }
  ])
  assert.ok('catalog' in result, JSON.stringify(result))
  assert.equal(result.catalog.resolve('claude-haiku-4-5')?.capabilities.maxOutputTokens, 8192)
  assert.equal(result.catalog.resolve('claude-haiku-4-5')?.prices[0]?.base.input, 1_000_000)
  assert.equal(result.catalog.resolve('acme')?.id, 'acme-claude-proxy')
})
