// Issue 5 acceptance: a scripted workload with known usage → the cost and savings counters equal
// the hand-computed USD to 1e-9, for JSON and SSE responses, a rewritten model and a cache hit.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import { sumSamples } from '../helpers/metric-sample.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

const POLICY = `
cache: { mode: deterministic }
routes:
  - name: support-to-haiku
    match: { model: claude-sonnet-4-5, header: { x-team: support } }
    action: { model: claude-haiku-4-5 }
`

let sim: Simulator
let gw: StartedGateway
let client: Anthropic

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, cache: 'memory' })
  client = new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
})

after(async () => {
  await gw.close()
  await sim.close()
})

async function sample (metric: string, labels: Record<string, string> = {}): Promise<number> {
  return sumSamples(await gw.scrape(), metric, labels)
}

// Usage with input, output, cache reads and a 5m/1h cache-write breakdown.
const USAGE = { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 3000, cache_creation_input_tokens: 500, cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 200 } }
// Per-MTok prices from config/models.yaml. Haiku 4.5: 1 / 1.25 / 2 / 0.10 / 5. Sonnet 4.5: 3 / 3.75 / 6 / 0.30 / 15.
const HAIKU_USD = (1000 * 1 + 300 * 1.25 + 200 * 2 + 3000 * 0.1 + 200 * 5) / 1e6 // 0.003075
const SONNET_USD = (1000 * 3 + 300 * 3.75 + 200 * 6 + 3000 * 0.3 + 200 * 15) / 1e6 // 0.009225

const near = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`)
}

test('a rewritten request costs the used model and saves the difference, JSON and SSE alike', async () => {
  const headers = { 'x-team': 'support', 'x-sim-usage': JSON.stringify(USAGE) }
  const params = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'where is my order' }] }
  const json = await client.messages.create(params, { headers })
  const streamed = await client.messages.stream(params, { headers }).finalMessage()
  assert.equal(json.model, 'claude-haiku-4-5')
  assert.equal(streamed.usage.cache_read_input_tokens, 3000, 'the SSE usage is the final running total')
  near(await sample('llm_gateway_cost_usd_total', { routed_model: 'claude-haiku-4-5' }), 2 * HAIKU_USD, 'cost')
  near(await sample('llm_gateway_savings_usd_total', { reason: 'routing' }), 2 * (SONNET_USD - HAIKU_USD), 'routing savings')
  assert.equal(await sample('llm_gateway_tokens_total', { routed_model: 'claude-haiku-4-5', token_type: 'cache_write_1h' }), 400)
  assert.equal(await sample('llm_gateway_tokens_total', { routed_model: 'claude-haiku-4-5', token_type: 'cache_write_5m' }), 600)
})

test('a cache hit costs nothing and saves what the cached response cost', async () => {
  const usage = { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
  const headers = { 'x-sim-usage': JSON.stringify(usage) }
  const params = { model: 'claude-sonnet-4-5', max_tokens: 100, temperature: 0, messages: [{ role: 'user' as const, content: 'classify: refund' }] }
  const before = await sample('llm_gateway_cost_usd_total', { routed_model: 'claude-sonnet-4-5' })
  await client.messages.create(params, { headers })
  await client.messages.stream(params, { headers }).finalMessage()
  const expected = (100 * 3 + 50 * 15) / 1e6
  near(await sample('llm_gateway_cost_usd_total', { routed_model: 'claude-sonnet-4-5' }) - before, expected, 'one upstream call paid')
  near(await sample('llm_gateway_savings_usd_total', { reason: 'cache' }), expected, 'the hit saved its cost')
  assert.equal(await sample('llm_gateway_requests_total', { cache_result: 'hit' }), 1)
})
