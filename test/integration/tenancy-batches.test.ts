// Tenancy beyond POST /v1/messages, over real HTTP with the simulator upstream, on both limit
// stores (memory; two gateways sharing a real redis-server): priced batch results are charged to
// the tenant and key that created the batch, once, whoever downloads them and on whichever
// replica; a spent budget refuses batch creation (and a downgrade moves its requests); every /v1
// route counts against requests per minute, count_tokens without spending; a gateway without
// tenants sends the limits store nothing.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { Redis } from 'ioredis'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { sha256Hex } from '../../src/credential-digest.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { sumSamples } from '../helpers/metric-sample.js'
import { startRedis } from '../helpers/redis-server.js'
import type { TestRedis } from '../helpers/redis-server.js'

const ADMIN = 'admin-batches'
const KEYS = { alpha: 'tlk-alpha-key', beta: 'tlk-beta-key', strict: 'tlk-strict-key', thrifty: 'tlk-thrifty-key' }
const POLICY = `
tenants:
  - name: alpha
    auth: gateway_keys
    keys: [{ id: alpha-1, sha256: ${sha256Hex(KEYS.alpha)} }]
  - name: beta
    auth: gateway_keys
    keys: [{ id: beta-1, sha256: ${sha256Hex(KEYS.beta)} }]
  - name: strict
    auth: gateway_keys
    limits: { usd_per_day: 0.01 }
    keys: [{ id: strict-1, sha256: ${sha256Hex(KEYS.strict)} }]
  - name: thrifty
    auth: gateway_keys
    limits: { usd_per_day: 0.01 }
    budget: { on_exceeded: downgrade, downgrade_to: claude-haiku-4-5, downgrade_at: 0.5 }
    keys: [{ id: thrifty-1, sha256: ${sha256Hex(KEYS.thrifty)} }]
  - name: paced
    headers: { x-team: paced }
    limits: { requests_per_minute: 3 }
`
const ENV = { ANTHROPIC_API_KEY: 'sk-ant-gateway' }
const USAGE = { input_tokens: 2000, output_tokens: 400 }
// Sonnet 4.5 at batch prices: (2000 × $3 + 400 × $15) / 1e6 / 2 = $0.006 per result.
const PER_RESULT = '0.006'

let sim: Simulator
let redis: TestRedis
let bareRedis: TestRedis

before(async () => {
  sim = await createSimulator()
  redis = await startRedis()
  bareRedis = await startRedis()
})
after(async () => {
  await redis.stop()
  await bareRedis.stop()
  await sim.close()
})

function clientOf (gw: StartedGateway, key: string): Anthropic {
  return new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 })
}

function params (content: string, model = 'claude-sonnet-4-5'): Anthropic.MessageCreateParamsNonStreaming {
  return { model, max_tokens: 20, messages: [{ role: 'user', content }] }
}

async function createBatch (gw: StartedGateway, key: string, ids: string[]): Promise<string> {
  const batch = await clientOf(gw, key).messages.batches.create({ requests: ids.map((id) => ({ custom_id: id, params: params(id) })) })
  return batch.id
}

async function download (gw: StartedGateway, key: string, id: string): Promise<number> {
  let n = 0
  for await (const _ of await clientOf(gw, key).messages.batches.results(id)) n++
  return n
}

interface SpendRow { day: { spent_usd: string } }
interface TenantRow { name: string; spend: SpendRow; keys: Array<{ id: string; spend: SpendRow }> }

async function tenants (gw: StartedGateway): Promise<Map<string, TenantRow>> {
  const res = await fetch(gw.url + '/admin/tenants', { headers: { authorization: `Bearer ${ADMIN}` } })
  assert.equal(res.status, 200)
  const json = await res.json() as { tenants: TenantRow[] }
  return new Map(json.tenants.map((tenant) => [tenant.name, tenant]))
}

async function spentToday (gw: StartedGateway, tenant: string): Promise<{ tenant: string; keys: Record<string, string> }> {
  const row = (await tenants(gw)).get(tenant)
  assert.ok(row !== undefined, tenant)
  return { tenant: row.spend.day.spent_usd, keys: Object.fromEntries(row.keys.map((key) => [key.id, key.spend.day.spent_usd])) }
}

async function raw (gw: StartedGateway, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return await fetch(gw.url + path, {
    method,
    headers: { 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-paced-own', ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
}

async function assertAnthropicError (res: Response, status: number, type: string, message: RegExp): Promise<void> {
  assert.equal(res.status, status)
  const body = await res.json() as { type: string; error: { type: string; message: string } }
  assert.equal(body.type, 'error')
  assert.equal(body.error.type, type)
  assert.match(body.error.message, message)
}

/** The same cases on each store: `creator` and `downloader` are one gateway (memory) or two replicas sharing Redis. */
function suite (name: string, start: () => Promise<{ creator: StartedGateway; downloader: StartedGateway }>): void {
  describe(name, () => {
    let creator: StartedGateway
    let downloader: StartedGateway
    before(async () => { ({ creator, downloader } = await start()) })
    after(async () => {
      await creator.close()
      if (downloader !== creator) await downloader.close()
    })

    test('a batch created by tenant A is charged to A and its key when downloaded (by B, on another replica), exactly once', async () => {
      sim.reset()
      sim.setModelBehaviour('claude-sonnet-4-5', { usage: USAGE })
      const id = await createBatch(creator, KEYS.alpha, ['a1', 'a2'])
      assert.deepEqual(await spentToday(creator, 'alpha'), { tenant: '0', keys: { 'alpha-1': '0' } }, 'nothing is charged at creation')
      // Tenant B downloads A's batch first (both go upstream with the gateway's key): A pays.
      assert.equal(await download(downloader, KEYS.beta, id), 2)
      assert.equal(await download(downloader, KEYS.alpha, id), 2)
      assert.equal(await download(creator, KEYS.alpha, id), 2)
      assert.deepEqual(await spentToday(creator, 'alpha'), { tenant: '0.012', keys: { 'alpha-1': '0.012' } })
      assert.deepEqual(await spentToday(downloader, 'beta'), { tenant: '0', keys: { 'beta-1': '0' } })
      // The cost metric names the creator too, at batch prices.
      const cost = sumSamples(await downloader.scrape(), 'llm_gateway_cost_usd_total', { tenant: 'alpha', batch: 'true' })
      assert.ok(Math.abs(cost - 2 * Number(PER_RESULT)) < 1e-12, String(cost))
      assert.equal(sumSamples(await downloader.scrape(), 'llm_gateway_cost_usd_total', { tenant: 'beta', batch: 'true' }), 0)
    })

    test('a tenant over its USD budget gets batch creation (and Messages) refused with 429 rate_limit_error, nothing sent upstream', async () => {
      sim.reset()
      sim.setModelBehaviour('claude-sonnet-4-5', { usage: USAGE })
      // $0.012 of results against a $0.01 day budget: allowed at creation (spend 0), over after.
      const id = await createBatch(creator, KEYS.strict, ['s1', 's2'])
      await download(downloader, KEYS.strict, id)
      assert.equal((await spentToday(creator, 'strict')).tenant, '0.012')
      sim.reset()
      const res = await raw(creator, 'POST', '/v1/messages/batches', { 'x-api-key': KEYS.strict }, { requests: [{ custom_id: 's3', params: params('s3') }] })
      assert.equal(res.headers.get('x-should-retry'), 'false')
      assert.equal(res.headers.get('retry-after'), null)
      assert.equal(res.headers.get('x-gateway-tenant'), 'strict')
      assert.equal(res.headers.get('x-gateway-budget-used'), '1.2000')
      await assertAnthropicError(res, 429, 'rate_limit_error', /The tenant has used its daily budget/)
      await assert.rejects(clientOf(downloader, KEYS.strict).messages.create(params('m')), (err: unknown) => err instanceof Anthropic.RateLimitError)
      assert.equal(sim.requests.length, 0)
      // Reading is not spending: the tenant can still list and download.
      assert.equal(await download(downloader, KEYS.strict, id), 2)
    })

    test('downgrade: past downgrade_at a batch\'s requests go to the cheaper model, except one carrying thinking whose signer is unknown', async () => {
      sim.reset()
      sim.setModelBehaviour('claude-sonnet-4-5', { usage: USAGE })
      await download(downloader, KEYS.thrifty, await createBatch(creator, KEYS.thrifty, ['t1']))
      assert.equal((await spentToday(creator, 'thrifty')).tenant, PER_RESULT)
      sim.reset()
      const thinkingTurn = {
        model: 'claude-sonnet-4-5',
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'use the tool', signature: 'sig-sonnet' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] }
        ],
        tools: [{ name: 'weather', description: 'weather', input_schema: { type: 'object', properties: {} } }]
      }
      const res = await raw(creator, 'POST', '/v1/messages/batches', { 'x-api-key': KEYS.thrifty }, {
        requests: [{ custom_id: 'plain', params: params('t2') }, { custom_id: 'tool-turn', params: thinkingTurn }]
      })
      assert.equal(res.status, 200, await res.clone().text())
      assert.equal(res.headers.get('x-gateway-budget-downgrade'), 'claude-sonnet-4-5->claude-haiku-4-5')
      assert.equal(res.headers.get('x-gateway-budget-used'), '0.6000')
      const sent = JSON.parse(sim.requests.at(-1)?.body ?? '{}') as { requests: Array<{ custom_id: string; params: { model: string } }> }
      assert.deepEqual(sent.requests.map((entry) => [entry.custom_id, entry.params.model]), [['plain', 'claude-haiku-4-5'], ['tool-turn', 'claude-sonnet-4-5']])
    })

    test('requests per minute apply to count_tokens, models, batch listing and files; count_tokens spends nothing', async () => {
      sim.reset()
      const team = { 'x-team': 'paced' }
      const counted = await raw(creator, 'POST', '/v1/messages/count_tokens', team, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] })
      assert.equal(counted.status, 200)
      assert.equal((await raw(creator, 'GET', '/v1/models', team)).status, 200)
      assert.equal((await raw(creator, 'GET', '/v1/messages/batches', team)).status, 200)
      for (const path of ['/v1/models/claude-sonnet-4-5', '/v1/files', '/v1/messages/count_tokens']) {
        const res = await raw(downloader, path.endsWith('count_tokens') ? 'POST' : 'GET', path, team, path.endsWith('count_tokens') ? { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] } : undefined)
        assert.ok(Number(res.headers.get('retry-after')) >= 1, path)
        assert.equal(res.headers.get('anthropic-ratelimit-requests-limit'), '3', path)
        assert.equal(res.headers.get('anthropic-ratelimit-requests-remaining'), '0', path)
        await assertAnthropicError(res, 429, 'rate_limit_error', /requests per minute limit/)
      }
      assert.equal(sim.requests.length, 3, 'the refused requests never went upstream')
      assert.equal((await spentToday(creator, 'paced')).tenant, '0')
    })
  })
}

async function gatewayOn (tenancy: 'memory' | { redisUrl: string }, policyYaml = POLICY): Promise<StartedGateway> {
  return await startGateway({ upstreamUrl: sim.url, policyYaml, tenancy, env: ENV, deps: { adminToken: ADMIN } })
}

suite('memory store', async () => {
  const gw = await gatewayOn('memory')
  return { creator: gw, downloader: gw }
})

suite('Redis store, two replicas', async () => {
  // The downloader has its own cache store (none): only the limits store is shared.
  return { creator: await gatewayOn({ redisUrl: redis.url }), downloader: await gatewayOn({ redisUrl: redis.url }) }
})

describe('a gateway without tenants', () => {
  test('batches, count_tokens and models send the limits store nothing, and batch spend is still in the metrics', async () => {
    sim.reset()
    sim.setModelBehaviour('claude-sonnet-4-5', { usage: USAGE })
    const gw = await gatewayOn({ redisUrl: bareRedis.url }, '{}')
    const probe = new Redis(bareRedis.url)
    try {
      const commands = async (): Promise<number> => {
        const stats = await probe.info('commandstats')
        let total = 0
        for (const match of stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (match[1] !== 'info') total += Number(match[2])
        return total
      }
      const before = await commands()
      const id = await createBatch(gw, 'sk-ant-anyone', ['n1'])
      assert.equal(await download(gw, 'sk-ant-anyone', id), 1)
      assert.equal((await raw(gw, 'POST', '/v1/messages/count_tokens', {}, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] })).status, 200)
      assert.equal((await raw(gw, 'GET', '/v1/models', {})).status, 200)
      assert.equal(await commands(), before)
      const cost = sumSamples(await gw.scrape(), 'llm_gateway_cost_usd_total', { tenant: 'none', batch: 'true' })
      assert.ok(Math.abs(cost - Number(PER_RESULT)) < 1e-12, String(cost))
    } finally {
      probe.disconnect()
      await gw.close()
    }
  })
})
