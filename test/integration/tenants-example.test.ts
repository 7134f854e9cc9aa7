// Issue 17's "done when": the documented example policy config/examples/tenants.yaml, as shipped,
// runs end to end over the simulator in a real gateway process with a real Redis: a passthrough
// tenant, a gateway-key tenant that drops to Haiku past its daily budget, and one with a token
// limit; the keys CLI issues a key and shows the spend.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import type { GatewayProcess } from '../helpers/gateway-process.js'
import { startRedis } from '../helpers/redis-server.js'
import type { TestRedis } from '../helpers/redis-server.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ADMIN = 'example-admin-token'
const SUPPORT_KEY = 'tlk-example-support-bot'
const RESEARCH_KEY = 'tlk-example-research-notebooks'
const HELLO = { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hello' }] }

let sim: Simulator
let redis: TestRedis
let gw: GatewayProcess

before(async () => {
  sim = await createSimulator()
  redis = await startRedis()
  gw = await startGatewayProcess({ GATEWAY_CONFIG: 'config/examples/tenants.yaml', REDIS_URL: redis.url, ANTHROPIC_UPSTREAM_URL: sim.url, ANTHROPIC_API_KEY: 'sk-ant-gateway-org', ADMIN_TOKEN: ADMIN })
})
after(async () => {
  await gw.stop()
  await redis.stop()
  await sim.close()
})

async function cli (args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['bin/thriftline.js', ...args, '--url', gw.url], { cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: ADMIN }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  return { code, out, err }
}

async function metrics (): Promise<string> {
  return await (await fetch(`${gw.url}/metrics`)).text()
}

test('platform (passthrough): its own key goes upstream; a caller no tenant claims gets 401', async () => {
  sim.reset()
  const platform = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-platform-own', maxRetries: 0, defaultHeaders: { 'x-team': 'platform' } })
  const message = await platform.messages.create(HELLO)
  assert.equal(message.type, 'message')
  const seen = sim.requests.at(-1)
  assert.equal(seen?.headers['x-api-key'] ?? seen?.headers.authorization, seen?.headers['x-api-key'] === undefined ? 'Bearer sk-ant-platform-own' : 'sk-ant-platform-own')
  const stranger = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-someone', maxRetries: 0 })
  await assert.rejects(stranger.messages.create(HELLO), (err: unknown) => err instanceof Anthropic.AuthenticationError)
})

test('support (gateway key, $200/day then Haiku): the answer that passes the budget is served, the next ones downgraded', async () => {
  const support = new Anthropic({ baseURL: gw.url, apiKey: null, authToken: SUPPORT_KEY, maxRetries: 0 })
  sim.reset()
  const first = await support.messages.create(HELLO)
  assert.equal(first.model, 'claude-sonnet-4-6')
  assert.equal(sim.requests.at(-1)?.headers.authorization, 'Bearer sk-ant-gateway-org')
  // One very large answer costs more than the whole day's $200.
  await support.messages.create(HELLO, { headers: { 'x-sim-usage': JSON.stringify({ input_tokens: 70_000_000, output_tokens: 1000 }) } })
  let downgraded: { model: string; header: string | null } | null = null
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    const { data, response } = await support.messages.create(HELLO).withResponse()
    if (response.headers.get('x-gateway-budget-downgrade') !== null) { downgraded = { model: data.model, header: response.headers.get('x-gateway-budget-downgrade') }; break }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.deepEqual(downgraded, { model: 'claude-haiku-4-5', header: 'claude-sonnet-4-6->claude-haiku-4-5' })
  const text = await metrics()
  assert.match(text, /llm_gateway_budget_downgrades_total\{tenant="support",reason="usd_per_day"\} [1-9]/)
  assert.match(text, /llm_gateway_tenant_budget_used_ratio\{tenant="support",period="day"\} [1-9]/)
})

test('research (gateway key, 2M input tokens/min): usage reported by the answer fills the window, the next request gets 429', async () => {
  const second = (Date.now() % 60_000) / 1000
  if (second > 45) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000))
  const research = new Anthropic({ baseURL: gw.url, apiKey: RESEARCH_KEY, maxRetries: 0 })
  await research.messages.create(HELLO, { headers: { 'x-sim-usage': JSON.stringify({ input_tokens: 2_000_000, output_tokens: 10 }) } })
  const refused = await research.messages.create(HELLO).then(() => null, (err: unknown) => err)
  assert.ok(refused instanceof Anthropic.RateLimitError, String(refused))
  assert.equal(refused.headers?.get('anthropic-ratelimit-input-tokens-limit'), '2000000')
  assert.equal(refused.headers?.get('anthropic-ratelimit-input-tokens-remaining'), '0')
  assert.ok(Number(refused.headers?.get('retry-after')) >= 1)
  assert.match(await metrics(), /llm_gateway_limit_rejections_total\{tenant="research",reason="input_tokens_per_minute"\} 1/)
})

test('the CLI issues a support key that works at once, lists keys and shows spend and remaining budget', async () => {
  const created = await cli(['keys', 'create', '--tenant', 'support', '--label', 'app=helpdesk'])
  assert.equal(created.code, 0, created.err)
  const key = /key: (tlk-\S+)/.exec(created.out)?.[1]
  assert.ok(key !== undefined, created.out)
  const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 })
  assert.equal((await client.messages.create(HELLO)).type, 'message')
  const listed = await cli(['keys', 'list', '--tenant', 'support'])
  assert.equal(listed.code, 0, listed.err)
  assert.match(listed.out, /support-bot {2}support {2}active {2}policy/)
  assert.match(listed.out, /key_[0-9a-f]+ {2}support {2}active {2}admin {2}app=helpdesk/)
  const tenants = await cli(['tenants'])
  assert.equal(tenants.code, 0, tenants.err)
  assert.match(tenants.out, /^support \(gateway_keys\) {2}today \$\d+(\.\d+)? of \$200 \(remaining \$0\)/m)
  const id = /(key_[0-9a-f]+)/.exec(listed.out)?.[1] ?? ''
  assert.equal((await cli(['keys', 'revoke', id])).code, 0)
  await assert.rejects(client.messages.create(HELLO), (err: unknown) => err instanceof Anthropic.AuthenticationError)
})
