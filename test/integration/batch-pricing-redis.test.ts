// Priced batch ids live in the shared cache store: two gateway instances on one Redis price a
// batch once between them, whichever serves the downloads; a gateway without a cache store still
// prices once per process.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { startRedis } from '../helpers/redis-server.js'
import type { TestRedis } from '../helpers/redis-server.js'

let sim: Simulator
let redis: TestRedis
let one: StartedGateway
let two: StartedGateway
let bare: StartedGateway

before(async () => {
  sim = await createSimulator()
  redis = await startRedis()
  one = await startGateway({ upstreamUrl: sim.url, cache: { redisUrl: redis.url } })
  two = await startGateway({ upstreamUrl: sim.url, cache: { redisUrl: redis.url } })
  bare = await startGateway({ upstreamUrl: sim.url })
  sim.setModelBehaviour('claude-sonnet-4-5', { usage: { input_tokens: 2000, output_tokens: 400 } })
})

after(async () => {
  await one.close()
  await two.close()
  await bare.close()
  await redis.stop()
  await sim.close()
})

function clientOf (gw: StartedGateway): Anthropic {
  return new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
}

async function batchSpend (gw: StartedGateway): Promise<number> {
  let sum = 0
  for (const line of (await gw.scrape()).split('\n')) {
    if (line.startsWith('llm_gateway_cost_usd_total{') && line.includes('batch="true"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

async function download (client: Anthropic, id: string): Promise<number> {
  let n = 0
  for await (const _ of await client.messages.batches.results(id)) n++
  return n
}

// Sonnet 4.5 at batch prices: (2000 × $3 + 400 × $15) / 1e6 / 2 = $0.006 per result.
const PER_RESULT = 0.006

test('two instances sharing Redis price a batch once between them', async () => {
  const batch = await clientOf(one).messages.batches.create({
    requests: ['p', 'q'].map((id) => ({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user' as const, content: id }] } }))
  })
  assert.equal(await download(clientOf(one), batch.id), 2)
  assert.equal(await download(clientOf(two), batch.id), 2)
  assert.equal(await download(clientOf(two), batch.id), 2)
  assert.ok(Math.abs(await batchSpend(one) - 2 * PER_RESULT) < 1e-12, `instance one: ${await batchSpend(one)}`)
  assert.equal(await batchSpend(two), 0, 'instance two saw the id already priced')
})

test('without a cache store the batch is priced once per process', async () => {
  const client = clientOf(bare)
  const batch = await client.messages.batches.create({
    requests: [{ custom_id: 'r', params: { model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user' as const, content: 'r' }] } }]
  })
  await download(client, batch.id)
  await download(client, batch.id)
  assert.ok(Math.abs(await batchSpend(bare) - PER_RESULT) < 1e-12, `${await batchSpend(bare)}`)
})
