// Issue 14 acceptance: batch results priced at 50% once even when downloaded twice, a model the
// catalog lacks shows up in tokens, unpriced tokens and the log, and `catalog diff` finds the
// upstream models the catalog lacks — all through the real gateway over the simulator.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { lineCollector } from '../helpers/log-lines.js'
import { runCatalogDiff } from '../../src/cli/catalog-diff.js'
import { resetMoneyWarnings } from '../../src/metrics/money-faults.js'
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let sim: Simulator
let gw: StartedGateway
let client: Anthropic
const logs = lineCollector()

before(async () => {
  resetMoneyWarnings()
  sim = await createSimulator({ extraModels: ['claude-new-thing-6'] })
  gw = await startGateway({ upstreamUrl: sim.url, cache: 'memory', deps: { logger: { level: 'warn', stream: logs.stream } } })
  client = new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
})

after(async () => {
  await gw.close()
  await sim.close()
})

async function sample (metric: string, labels: Record<string, string>): Promise<number> {
  const text = await gw.scrape()
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric + '{')) continue
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

const near = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`)
}

test('a batch downloaded twice through the gateway is priced once, at 50%', async () => {
  // Haiku 4.5: $1 input, $1.25 5m write, $2 1h write, $0.10 read, $5 output per MTok.
  const usage = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 4000, cache_creation_input_tokens: 500, cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 } }
  sim.setModelBehaviour('claude-haiku-4-5', { usage })
  const fullUsd = (1200 * 1 + 200 * 1.25 + 300 * 2 + 4000 * 0.1 + 300 * 5) / 1e6 // 0.00395 per result
  const batch = await client.messages.batches.create({
    requests: ['a', 'b', 'c'].map((id) => ({ custom_id: id, params: { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user' as const, content: `question ${id}` }] } }))
  })
  assert.ok(batch.results_url?.startsWith(gw.url), 'results_url points at the gateway')
  const before = await sample('llm_gateway_cost_usd_total', { routed_model: 'claude-haiku-4-5', batch: 'true' })
  for (let download = 0; download < 2; download++) {
    let results = 0
    for await (const result of await client.messages.batches.results(batch.id)) {
      assert.equal(result.result.type, 'succeeded')
      results++
    }
    assert.equal(results, 3)
  }
  const spent = await sample('llm_gateway_cost_usd_total', { routed_model: 'claude-haiku-4-5', batch: 'true' }) - before
  near(spent, 3 * fullUsd / 2, 'batch spend at half price, counted once')
  assert.equal(await sample('llm_gateway_tokens_total', { routed_model: 'claude-haiku-4-5', batch: 'true', token_type: 'input' }), 3 * 1200)
  assert.equal(await sample('llm_gateway_tokens_total', { routed_model: 'claude-haiku-4-5', batch: 'true', token_type: 'cache_write_1h' }), 3 * 300)
  sim.setModelBehaviour('claude-haiku-4-5', null)
})

test('a model the catalog lacks counts its tokens, its unpriced tokens and one warning', async () => {
  const usage = { input_tokens: 700, output_tokens: 90 }
  for (let i = 0; i < 2; i++) {
    await client.messages.create({ model: 'claude-new-thing-6', max_tokens: 100, messages: [{ role: 'user', content: `hi ${i}` }] }, { headers: { 'x-sim-usage': JSON.stringify(usage) } })
  }
  assert.equal(await sample('llm_gateway_tokens_total', { routed_model: 'other', token_type: 'input' }), 1400)
  assert.equal(await sample('llm_gateway_unpriced_tokens_total', { token_type: 'input' }), 1400)
  assert.equal(await sample('llm_gateway_unpriced_tokens_total', { token_type: 'output' }), 180)
  assert.equal(await sample('llm_gateway_cost_usd_total', { routed_model: 'other' }), 0, 'nothing priced at a guessed price')
  const warnings = logs.lines.filter((line) => line.model === 'claude-new-thing-6')
  assert.equal(warnings.length, 1, 'warned once per model per process')
  assert.equal(warnings[0]?.reason, 'unknown_model')
})

test('malformed usage is repaired, priced and counted, never thrown away', async () => {
  const usage = { input_tokens: 1000.5, output_tokens: -3, cache_read_input_tokens: 'lots' }
  const before = await sample('llm_gateway_cost_usd_total', { routed_model: 'claude-sonnet-4-5' })
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-sim-usage': JSON.stringify(usage) } })
  // 1001 input tokens (rounded up) at $3/MTok; negative output and a non-number count 0.
  near(await sample('llm_gateway_cost_usd_total', { routed_model: 'claude-sonnet-4-5' }) - before, 1001 * 3 / 1e6, 'priced')
  assert.equal(await sample('llm_gateway_usage_malformed_total', { reason: 'fractional' }), 1)
  assert.equal(await sample('llm_gateway_usage_malformed_total', { reason: 'negative' }), 1)
  assert.equal(await sample('llm_gateway_usage_malformed_total', { reason: 'non_numeric' }), 1)
  assert.ok(logs.lines.some((line) => line.field === 'input_tokens' && line.reason === 'fractional' && line.value === '1000.5'), 'logged with field and value')
})

test('catalog diff lists the upstream models the catalog lacks, and a like: declaration closes the gap', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tl-diff-'))
  try {
    const out: string[] = []
    const io = { out: (line: string) => { out.push(line) }, err: (line: string) => { out.push('ERR ' + line) } }
    const policy = join(dir, 'gateway.yaml')
    await writeFile(policy, `upstream: { url: ${sim.url} }\n`)
    const base = { configPath: policy, upstreamUrl: undefined, apiKey: 'k', json: true, fetch: globalThis.fetch, nowMs: Date.now() }
    assert.equal(await runCatalogDiff(base, io), 1)
    assert.deepEqual(JSON.parse(out.pop() ?? '{}').missing, ['claude-new-thing-6'])
    await writeFile(policy, `upstream: { url: ${sim.url} }\nmodels:\n  - { id: claude-new-thing-6, like: claude-opus-5-5 }\n`)
    assert.equal(await runCatalogDiff(base, io), 0)
    assert.deepEqual(JSON.parse(out.pop() ?? '{}').missing, [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
