import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { LineSplitter, addBatchLine, newBatchSpend } from '../../../src/pricing/batch-results.js'
import { compileCatalog } from '../../../src/catalog/compile.js'

const raw = parseYaml(await readFile(new URL('../../../config/models.yaml', import.meta.url), 'utf8'))

test('lines split across chunks, and a multi-byte character split between chunks, come out whole', () => {
  const text = Buffer.from('{"a":"é"}\n{"b":2}\n{"c":3}')
  const lines: string[] = []
  const splitter = new LineSplitter()
  for (let i = 0; i < text.length; i += 3) splitter.push(text.subarray(i, i + 3), (line) => lines.push(line))
  splitter.end((line) => lines.push(line))
  assert.deepEqual(lines, ['{"a":"é"}', '{"b":2}', '{"c":3}'])
})

test('batch lines: succeeded results priced at half per model, others skipped, junk counted', () => {
  const compiled = compileCatalog(raw)
  assert.ok('catalog' in compiled)
  const spend = newBatchSpend('msgbatch_1')
  const ok = (model: string) => JSON.stringify({ custom_id: 'x', result: { type: 'succeeded', message: { model, usage: { input_tokens: 1000, output_tokens: 100 } } } })
  addBatchLine(spend, ok('claude-haiku-4-5'), compiled.catalog, '2026-11-20')
  addBatchLine(spend, ok('claude-haiku-4-5-20251001'), compiled.catalog, '2026-11-20')
  addBatchLine(spend, JSON.stringify({ custom_id: 'y', result: { type: 'errored', error: {} } }), compiled.catalog, '2026-11-20')
  addBatchLine(spend, 'not json', compiled.catalog, '2026-11-20')
  addBatchLine(spend, '', compiled.catalog, '2026-11-20')
  const haiku = spend.byModel.get('claude-haiku-4-5')
  // (1000 × $1 + 100 × $5) / 1e6 / 2 = $0.00075 each = 750,000,000 pico.
  assert.equal(haiku?.picoUsd, 1_500_000_000n)
  assert.equal(haiku?.results, 2)
  assert.equal(spend.badLines, 1)
})

test('like: declares a new model from a known one, overriding what differs', () => {
  const compiled = compileCatalog(raw, [{ id: 'claude-new-thing', like: 'claude-opus-5-5', context_window: 2000000 }])
  assert.ok('catalog' in compiled)
  const model = compiled.catalog.resolve('claude-new-thing')
  assert.equal(model?.capabilities.contextWindow, 2000000)
  assert.equal(model?.prices[0]?.base.cacheRead, 200_000)
  assert.equal(model?.retiresAt, undefined)
  const bad = compileCatalog(raw, [{ id: 'claude-x', like: 'claude-nope' }])
  assert.ok('issues' in bad && bad.issues.some((i) => i.path === 'models[0].like'))
})
