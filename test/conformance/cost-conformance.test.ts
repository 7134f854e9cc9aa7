// Runs test/conformance/cost-cases.json (format: README.md next to it) against the gateway's cost
// function and the shipped catalog, and checks that every price row of config/models.yaml is
// exercised by at least one case: change a price or a modifier and this fails.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { compileCatalog } from '../../src/catalog/compile.js'
import { priceScheduleAt } from '../../src/catalog/price-at.js'
import type { ModelCatalog } from '../../src/catalog/types.js'
import { priceUsage } from '../../src/pricing/price-usage.js'
import type { Cost } from '../../src/pricing/price-usage.js'
import { mergeUsage } from '../../src/messages/usage.js'
import type { Usage } from '../../src/types/anthropic.js'

interface Case {
  id: string
  comment: string
  model: string
  date: string
  request: { batch: boolean; inference_geo: string | null; speed: string | null }
  usage?: Usage
  stream?: Usage[]
  expected: { pico_usd: string; unpriced_tokens?: Partial<Record<'input' | 'cacheWrite5m' | 'cacheWrite1h' | 'cacheRead' | 'output', number>>; usage_issues?: number }
}

const doc = JSON.parse(await readFile(new URL('./cost-cases.json', import.meta.url), 'utf8')) as { format: string; cases: Case[] }
const compiled = compileCatalog(parseYaml(await readFile(new URL('../../config/models.yaml', import.meta.url), 'utf8')))
if ('issues' in compiled) throw new Error(JSON.stringify(compiled.issues))
const catalog: ModelCatalog = compiled.catalog

function run (c: Case): Cost {
  const usage = c.usage ?? (c.stream ?? []).reduce<Usage>((merged, update) => mergeUsage(merged, update), {})
  const model = catalog.resolve(c.model) ?? c.model
  return priceUsage(usage, model, { isoDate: c.date, batch: c.request.batch, inferenceGeo: c.request.inference_geo ?? undefined, speed: c.request.speed ?? undefined }, catalog.resolve)
}

test('the conformance file holds at least 40 distinct, commented cases', () => {
  assert.equal(doc.format, 'thriftline-cost-conformance/1')
  assert.ok(doc.cases.length >= 40, `${doc.cases.length} cases`)
  assert.equal(new Set(doc.cases.map((c) => c.id)).size, doc.cases.length, 'ids are unique')
  for (const c of doc.cases) assert.ok(c.comment.length > 20, `${c.id} explains itself`)
})

for (const c of doc.cases) {
  test(`cost case ${c.id}`, () => {
    const cost = run(c)
    assert.equal(cost.picoUsd.toString(), c.expected.pico_usd, c.comment)
    const unpriced = { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0, ...c.expected.unpriced_tokens }
    assert.deepEqual(cost.unpricedTokens, unpriced, 'unpriced tokens')
    assert.equal(cost.issues.length, c.expected.usage_issues ?? 0, 'malformed usage counts')
  })
}

test('every price row of the catalog is exercised by at least one case', () => {
  const wanted = new Set<string>()
  for (const model of catalog.models) {
    for (const schedule of model.prices) {
      wanted.add(`${model.id}@${schedule.effectiveFrom}:base`)
      if (schedule.band !== undefined) wanted.add(`${model.id}@${schedule.effectiveFrom}:band`)
      if (schedule.fast !== undefined) wanted.add(`${model.id}@${schedule.effectiveFrom}:fast`)
      if (schedule.fastUnknown === true) wanted.add(`${model.id}@${schedule.effectiveFrom}:fast_unknown`)
    }
  }
  for (const c of doc.cases) {
    for (const line of run(c).lines) {
      const model = catalog.resolve(line.model)
      if (model === undefined) continue
      const schedule = priceScheduleAt(model, c.date)
      if (schedule === undefined) continue
      wanted.delete(`${model.id}@${schedule.effectiveFrom}:${line.row ?? (line.unpricedReason === 'unknown_fast_price' ? 'fast_unknown' : 'none')}`)
    }
  }
  assert.deepEqual([...wanted], [], 'price rows no case exercises')
})
