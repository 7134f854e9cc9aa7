// The prompt-cache state in a real redis-server started by the test: two gateways share it (what
// one learns, the other protects), it holds no prompt text, and a dead Redis fails open (the
// request is answered, nothing is protected).

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { Redis } from 'ioredis'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { createRedisStore } from '../../src/cache/redis-store.js'
import { createPromptCacheState } from '../../src/prompt-cache/create-state.js'
import { STATE_KEY_PREFIX } from '../../src/prompt-cache/state-store.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { startRedis } from '../helpers/redis-server.js'
import type { TestRedis } from '../helpers/redis-server.js'

const POLICY = `
routes:
  - name: followups
    match: { model: claude-sonnet-4-6, header: { x-followup: "1" } }
    action: { model: claude-haiku-4-5 }
`
const SECRET = 'SECRET-PROJECT-CODENAME-'
const SYSTEM = [{ type: 'text' as const, text: (SECRET + 'rules. ').repeat(1200), cache_control: { type: 'ephemeral' as const } }]

const ADMIN_TOKEN = 'admin-secret-for-explain'

let sim: Simulator
let redis: TestRedis
let one: StartedGateway
let two: StartedGateway
const stores: Array<{ close: () => Promise<void> }> = []

function sharedState (): ReturnType<typeof createPromptCacheState> {
  const store = createRedisStore({ url: redis.url, operationTimeoutMs: 200 })
  stores.push(store)
  return createPromptCacheState(store, () => 200, null)
}

before(async () => {
  sim = await createSimulator()
  redis = await startRedis()
  one = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, deps: { promptCacheState: sharedState() } })
  two = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, deps: { promptCacheState: sharedState(), adminToken: ADMIN_TOKEN } })
})

after(async () => {
  await one.close()
  await two.close()
  for (const store of stores) await store.close()
  await redis.stop()
  await sim.close()
})

const turn = (question: string) => ({ model: 'claude-sonnet-4-6', max_tokens: 256, system: SYSTEM, messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: question, cache_control: { type: 'ephemeral' as const } }] }] })

async function stateKeys (): Promise<string[]> {
  const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  try {
    return await probe.keys(STATE_KEY_PREFIX + '*')
  } finally {
    probe.disconnect()
  }
}

async function waitFor (check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(what)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

test('what one gateway learns, another protects; Redis holds model ids and numbers, never the prompt', async () => {
  const c1 = new Anthropic({ baseURL: one.url, apiKey: 'sk-shared-state', maxRetries: 0 })
  const c2 = new Anthropic({ baseURL: two.url, apiKey: 'sk-shared-state', maxRetries: 0 })
  await c1.messages.create(turn('Plan it.'))
  // Learning is fire-and-forget after the answer: let it land.
  await waitFor(async () => (await stateKeys()).length >= 2, 'the state was never written to Redis')
  const { data, response } = await c2.messages.create(turn('Next?'), { headers: { 'x-followup': '1' } }).withResponse()
  assert.equal(data.model, 'claude-sonnet-4-6')
  assert.equal(response.headers.get('x-gateway-prompt-cache'), 'protected')
  assert.ok((data.usage.cache_read_input_tokens ?? 0) > 0, 'and Sonnet\'s cache was read')

  // explain sees the same state: the conversation's key in x-api-key, the admin token in Authorization.
  const explained = await fetch(`${two.url}/admin/explain`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-api-key': 'sk-shared-state', 'x-followup': '1', 'content-type': 'application/json' },
    body: JSON.stringify(turn('Next?'))
  })
  assert.equal(explained.status, 200)
  const explanation = await explained.json() as { decision: { targetModel: string; promptCache: { outcome: string; reason: string } | null }; promptCache: { asSent: Array<{ model: string }> } | null; explanation: { summary: string } }
  assert.equal(explanation.decision.targetModel, 'claude-sonnet-4-6')
  assert.equal(explanation.decision.promptCache?.outcome, 'protected')
  assert.equal(explanation.decision.promptCache?.reason, 'prompt_cache_warm')
  assert.ok(explanation.promptCache?.asSent.some((warm) => warm.model === 'claude-sonnet-4-6'))
  assert.match(explanation.explanation.summary, /kept on claude-sonnet-4-6 \(prompt_cache_warm\)/)

  const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  try {
    for (const key of await stateKeys()) {
      assert.match(key, /^thriftline:v1:prompt-cache:[0-9a-f]{64}$/)
      const value = await probe.get(key)
      assert.ok(value !== null && !value.includes(SECRET), 'no prompt text in the state')
      const record: unknown = JSON.parse(value)
      assert.ok(Array.isArray(record) && record.every((entry) => typeof entry.model === 'string' && typeof entry.tokens === 'number'))
      assert.ok(await probe.ttl(key) > 0, 'every record expires')
    }
  } finally {
    probe.disconnect()
  }
})

test('another credential shares nothing', async () => {
  const other = new Anthropic({ baseURL: two.url, apiKey: 'sk-another-team', maxRetries: 0 })
  const { response } = await other.messages.create(turn('Next?'), { headers: { 'x-followup': '1' } }).withResponse()
  assert.equal(response.headers.get('x-gateway-model'), 'claude-haiku-4-5')
  assert.equal(response.headers.get('x-gateway-prompt-cache'), null)
})

test('with Redis dead the gateway fails open: answered, nothing known, nothing protected', async () => {
  const client = new Anthropic({ baseURL: one.url, apiKey: 'sk-shared-state', maxRetries: 0 })
  await redis.kill()
  try {
    const { data, response } = await client.messages.create(turn('Next?'), { headers: { 'x-followup': '1' } }).withResponse()
    assert.equal(response.status, 200)
    assert.equal(data.model, 'claude-haiku-4-5')
    assert.equal(response.headers.get('x-gateway-prompt-cache'), null)
  } finally {
    await redis.start()
  }
})
