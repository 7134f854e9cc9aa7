// Issue 17 over real HTTP, in one process: gateway keys (policy file and admin API), the upstream
// credential swap in the client's header style, rate limits (429 with retry-after and rate-limit
// headers), a token limit, budget reject and downgrade (headers, explain, metrics), the admin API.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { sha256Hex } from '../../src/credential-digest.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

const ADMIN = 'admin-s3cret'
const POLICY_KEY = 'tlk-policy-key-of-research'
const EXPIRED_KEY = 'tlk-expired-key'
const POLICY = `
tenants:
  - name: open
    headers: { x-team: open }
    limits: { requests_per_minute: 3 }
  - name: research
    auth: gateway_keys
    upstream_key: { env: RESEARCH_UPSTREAM_KEY }
    limits: { input_tokens_per_minute: 400 }
    keys:
      - { id: research-main, sha256: ${sha256Hex(POLICY_KEY)}, labels: { team: ml } }
      - { id: research-old, sha256: ${sha256Hex(EXPIRED_KEY)}, expires_at: 2020-01-01T00:00:00Z }
  - name: support
    auth: gateway_keys
  - name: thrifty
    auth: gateway_keys
    limits: { usd_per_day: 0.001 }
    budget: { on_exceeded: downgrade, downgrade_to: claude-haiku-4-5, downgrade_at: 0.5, alert_at: 0.25 }
  - name: strict
    auth: gateway_keys
    limits: { usd_per_day: 0.0001 }
`
const ENV = { ANTHROPIC_API_KEY: 'sk-ant-gateway-default', RESEARCH_UPSTREAM_KEY: 'sk-ant-gateway-research' }
const HELLO = { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user' as const, content: 'hello' }] }

let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, tenancy: 'memory', env: ENV, deps: { adminToken: ADMIN } })
})
after(async () => {
  await gw.close()
  await sim.close()
})

async function post (path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return await fetch(gw.url + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers } })
}

async function admin (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(gw.url + path, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, json: await res.json() }
}

async function issueKey (tenant: string, extra: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const { status, json } = await admin('POST', '/admin/keys', { tenant, ...extra })
  assert.equal(status, 201, JSON.stringify(json))
  return json
}

describe('gateway keys', () => {
  test('a policy-file key works with x-api-key; upstream gets the tenant\'s own key in the same header, never the client\'s', async () => {
    sim.reset()
    const res = await post('/v1/messages', HELLO, { 'x-api-key': POLICY_KEY })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-gateway-tenant'), 'research')
    const seen = sim.requests.at(-1)
    assert.equal(seen?.headers['x-api-key'], 'sk-ant-gateway-research')
    assert.equal(seen?.headers.authorization, undefined)
  })

  test('an admin-issued key works with the SDK (Authorization: Bearer), and upstream gets Bearer with the default key', async () => {
    const { key } = await issueKey('support')
    assert.match(key, /^tlk-/)
    sim.reset()
    const client = new Anthropic({ baseURL: gw.url, apiKey: null, authToken: key, maxRetries: 0 })
    const message = await client.messages.create(HELLO)
    assert.equal(message.type, 'message')
    const seen = sim.requests.at(-1)
    assert.equal(seen?.headers.authorization, 'Bearer sk-ant-gateway-default')
    assert.equal(seen?.headers['x-api-key'], undefined)
  })

  const REFUSALS: Array<[string, Record<string, string>, RegExp]> = [
    ['an unknown gateway key', { 'x-api-key': 'tlk-nobody' }, /Invalid gateway key/],
    ['an expired policy key', { 'x-api-key': EXPIRED_KEY }, /research-old has expired/],
    ['a non-gateway credential for a gateway-keys tenant', { 'x-api-key': 'sk-ant-personal' }, /./]
  ]
  for (const [name, headers, message] of REFUSALS) {
    test(`${name} → 401 authentication_error in Anthropic's shape, nothing sent upstream`, async () => {
      sim.reset()
      const res = await post('/v1/messages', HELLO, headers)
      if (name.startsWith('a non-gateway')) {
        // Passthrough mode: a credential no tenant claims goes upstream as it is.
        assert.equal(res.status, 200)
        return
      }
      assert.equal(res.status, 401)
      const body = await res.json() as { type: string; error: { type: string; message: string } }
      assert.equal(body.type, 'error')
      assert.equal(body.error.type, 'authentication_error')
      assert.match(body.error.message, message)
      assert.equal(sim.requests.length, 0)
    })
  }

  test('a revoked key → 401 at once on this replica; the SDK sees AuthenticationError', async () => {
    const { id, key } = await issueKey('support')
    const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 })
    await client.messages.create(HELLO)
    const revoked = await admin('DELETE', `/admin/keys/${id}`)
    assert.equal(revoked.status, 200)
    assert.equal(revoked.json.status, 'revoked')
    await assert.rejects(client.messages.create(HELLO), (err: unknown) => err instanceof Anthropic.AuthenticationError)
    assert.match(await gw.scrape(), /llm_gateway_auth_failures_total\{tenant="support",reason="revoked_key"\} 1/)
  })

  test('rotate: a new key works, the old one keeps working for the grace period only', async () => {
    const { id, key } = await issueKey('support', { labels: { app: 'bot' } })
    const rotated = await admin('POST', `/admin/keys/${id}/rotate`, { grace_seconds: 0 })
    assert.equal(rotated.status, 201)
    assert.deepEqual(rotated.json.labels, { app: 'bot' })
    assert.equal((await post('/v1/messages', HELLO, { 'x-api-key': rotated.json.key })).status, 200)
    assert.equal((await post('/v1/messages', HELLO, { 'x-api-key': key })).status, 401)
  })
})

describe('limits', () => {
  test('requests per minute: the 4th request in the window gets 429 rate_limit_error with retry-after and rate-limit headers', async () => {
    const statuses: number[] = []
    let last: Response | null = null
    for (let i = 0; i < 4; i++) {
      last = await post('/v1/messages', HELLO, { 'x-api-key': 'sk-ant-open', 'x-team': 'open' })
      statuses.push(last.status)
      if (i === 0) assert.equal(last.headers.get('anthropic-ratelimit-requests-remaining'), '2')
    }
    assert.deepEqual(statuses, [200, 200, 200, 429])
    assert.ok(last !== null)
    assert.equal(((await last.json()) as { error: { type: string } }).error.type, 'rate_limit_error')
    assert.ok(Number(last.headers.get('retry-after')) >= 1)
    assert.equal(last.headers.get('anthropic-ratelimit-requests-limit'), '3')
    assert.equal(last.headers.get('anthropic-ratelimit-requests-remaining'), '0')
    assert.match(await gw.scrape(), /llm_gateway_limit_rejections_total\{tenant="open",reason="requests_per_minute"\} 1/)
  })

  test('input tokens per minute: charged from the estimate up front, a prompt past the limit is refused', async () => {
    const big = { ...HELLO, messages: [{ role: 'user' as const, content: 'word '.repeat(600) }] }
    const res = await post('/v1/messages', big, { 'x-api-key': POLICY_KEY })
    assert.equal(res.status, 429)
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /input tokens per minute/)
    assert.equal(res.headers.get('anthropic-ratelimit-input-tokens-limit'), '400')
  })
})

describe('budgets', () => {
  test('downgrade at the threshold: headers, explain and metrics show it; spend is readable in /admin/tenants', async () => {
    const { key } = await issueKey('thrifty')
    const usage = JSON.stringify({ input_tokens: 100, output_tokens: 40 })
    // Sonnet 4.5 at $3/$15 per MTok: 100 in + 40 out = $0.0009, 90% of the $0.001 day budget.
    const first = await post('/v1/messages', HELLO, { 'x-api-key': key, 'x-sim-usage': usage })
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('x-gateway-budget-downgrade'), null)
    const tenants = await admin('GET', '/admin/tenants')
    const thrifty = tenants.json.tenants.find((tenant: { name: string }) => tenant.name === 'thrifty')
    assert.equal(thrifty.spend.day.spent_usd, '0.0009')
    assert.equal(thrifty.spend.day.remaining_usd, '0.0001')
    assert.equal(thrifty.keys[0].spend.day.spent_usd, '0.0009')
    const second = await post('/v1/messages', HELLO, { 'x-api-key': key })
    assert.equal(second.status, 200)
    assert.equal(second.headers.get('x-gateway-budget-downgrade'), 'claude-sonnet-4-5->claude-haiku-4-5')
    assert.equal(second.headers.get('x-gateway-model'), 'claude-haiku-4-5')
    assert.equal(((await second.json()) as { model: string }).model, 'claude-haiku-4-5')
    // The admin token rides in Authorization; the caller's key in x-api-key (which wins, as upstream reads it).
    const explained = await post('/admin/explain', HELLO, { 'x-api-key': key, authorization: `Bearer ${ADMIN}` })
    const explanation = await explained.json() as { tenancy: { tenant: string; budget: { action: string; downgradeTo: string } }; rewrite: { model: string }; explanation: { summary: string } }
    assert.equal(explanation.tenancy.tenant, 'thrifty')
    assert.equal(explanation.tenancy.budget.action, 'downgrade')
    assert.equal(explanation.tenancy.budget.downgradeTo, 'claude-haiku-4-5')
    assert.equal(explanation.rewrite.model, 'claude-haiku-4-5')
    assert.match(explanation.explanation.summary, /Budget: tenant usd_per_day at \d+\.\d%: sent as claude-haiku-4-5 instead of claude-sonnet-4-5/)
    const metrics = await gw.scrape()
    assert.match(metrics, /llm_gateway_budget_downgrades_total\{tenant="thrifty",reason="usd_per_day"\} 1/)
    assert.match(metrics, /llm_gateway_tenant_budget_used_ratio\{tenant="thrifty",period="day"\} 0\.9/)
  })

  test('reject once a budget is used up: 429 rate_limit_error without retry-after, x-should-retry: false', async () => {
    const { key } = await issueKey('strict')
    const usage = JSON.stringify({ input_tokens: 100, output_tokens: 40 })
    assert.equal((await post('/v1/messages', HELLO, { 'x-api-key': key, 'x-sim-usage': usage })).status, 200)
    const res = await post('/v1/messages', HELLO, { 'x-api-key': key })
    assert.equal(res.status, 429)
    assert.equal(res.headers.get('retry-after'), null)
    assert.equal(res.headers.get('x-should-retry'), 'false')
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /daily budget/)
  })
})

describe('admin API', () => {
  test('without the token: 401; keys are listed without secrets', async () => {
    const res = await fetch(gw.url + '/admin/tenants')
    assert.equal(res.status, 401)
    const { json } = await admin('GET', '/admin/keys?tenant=research')
    assert.deepEqual(json.keys.map((key: { id: string; status: string }) => [key.id, key.status]), [['research-main', 'active'], ['research-old', 'expired']])
    assert.ok(!JSON.stringify(json).includes(POLICY_KEY))
  })

  test('bad input → 400 invalid_request_error', async () => {
    const cases: unknown[] = [{ tenant: 'open' }, { tenant: 'nobody' }, { tenant: 'support', limits: { requests_per_minute: 0 } }, { tenant: 'support', expires_at: 'soon' }, { tenant: 'support', colour: 'red' }]
    for (const body of cases) {
      const { status, json } = await admin('POST', '/admin/keys', body)
      assert.equal(status, 400, JSON.stringify(body))
      assert.equal(json.error.type, 'invalid_request_error')
    }
  })
})
