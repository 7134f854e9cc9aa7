// Issue 3 acceptance: policy rewrites through the real SDK, gateway and simulator.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

const POLICY = `
virtual_models:
  - { id: claude-auto, display_name: "Auto (cheapest capable)" }
routes:
  - name: auto
    match: { model: claude-auto }
    action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5] }
  - name: support-team
    match: { model: "claude-sonnet-4-5*", header: { x-team: support } }
    action: { model: claude-haiku-4-5 }
  - name: tenant-a
    match: { model: "claude-sonnet-4-5*", metadata_user_id: "tenant-a:*" }
    action: { model: claude-haiku-4-5 }
  - name: short-opus
    match: { model: claude-opus-5, max_input_tokens: 1000 }
    action: { model: claude-sonnet-4-5 }
  - name: fallback-chain
    match: { model: claude-opus-4-1 }
    action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5, claude-opus-4-5] }
  - name: canary
    match: { model: claude-sonnet-4-6 }
    action: { split: { claude-haiku-4-5: 30, claude-sonnet-4-6: 70 } }
  - name: canary-sticky
    match: { model: claude-opus-4-6 }
    action: { split: { claude-haiku-4-5: 50, claude-opus-4-6: 50 }, sticky: metadata_user_id }
`

/** mulberry32: a small, well-distributed PRNG. */
function seededRandom (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let sim: Simulator
let gw: StartedGateway
const ADMIN_TOKEN = 'adm-routing'
let client: Anthropic

const ask = (model: string, content = 'hello', extra: Record<string, unknown> = {}) =>
  ({ model, max_tokens: 64, messages: [{ role: 'user' as const, content }], ...extra })

before(async () => {
  sim = await createSimulator()
  // A seeded draw: the split test is then reproducible instead of failing one run in twenty.
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, deps: { random: seededRandom(20261124), adminToken: ADMIN_TOKEN } })
  client = new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0 })
})

after(async () => {
  await gw.close()
  await sim.close()
})

function lastModelSeen (): string {
  const seen = sim.requests.at(-1)
  assert.ok(seen)
  return (JSON.parse(seen.body) as { model: string }).model
}

describe('rewrites', () => {
  test('a header rule rewrites the model, visible at the upstream and in the headers; the body model is the upstream truth', async () => {
    const { data, response } = await client.messages.create(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support' } }).withResponse()
    assert.equal(lastModelSeen(), 'claude-haiku-4-5')
    assert.equal(data.model, 'claude-haiku-4-5')
    assert.equal(response.headers.get('x-gateway-requested-model'), 'claude-sonnet-4-5')
    assert.equal(response.headers.get('x-gateway-model'), 'claude-haiku-4-5')
    assert.equal(response.headers.get('x-gateway-rule'), 'support-team')
  })

  test('no rule matches → no rewrite and no x-gateway-rule header', async () => {
    const { response } = await client.messages.create(ask('claude-sonnet-4-5')).withResponse()
    assert.equal(lastModelSeen(), 'claude-sonnet-4-5')
    assert.equal(response.headers.get('x-gateway-rule'), null)
  })

  test('a metadata.user_id rule', async () => {
    await client.messages.create(ask('claude-sonnet-4-5', 'hi', { metadata: { user_id: 'tenant-a:42' } }))
    assert.equal(lastModelSeen(), 'claude-haiku-4-5')
    await client.messages.create(ask('claude-sonnet-4-5', 'hi', { metadata: { user_id: 'tenant-b:42' } }))
    assert.equal(lastModelSeen(), 'claude-sonnet-4-5')
  })

  test('a max_input_tokens rule flips at the threshold', async () => {
    let flipped: number | null = null
    for (let words = 100; words <= 2000; words += 100) {
      await client.messages.create(ask('claude-opus-5', 'word '.repeat(words)))
      if (lastModelSeen() === 'claude-opus-5') { flipped = words; break }
      assert.equal(lastModelSeen(), 'claude-sonnet-4-5')
    }
    assert.ok(flipped !== null && flipped > 100, `flipped at ${flipped} words`)
  })

  test('streaming requests are rewritten too', async () => {
    const message = await client.messages.stream(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support' } }).finalMessage()
    assert.equal(message.model, 'claude-haiku-4-5')
    assert.equal(lastModelSeen(), 'claude-haiku-4-5')
  })

  test('count_tokens and batch params go through the same policy', async () => {
    await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-team': 'support' } })
    assert.equal(lastModelSeen(), 'claude-haiku-4-5')
    await client.messages.batches.create({ requests: [{ custom_id: 'a', params: ask('claude-auto') }] })
    const seen = JSON.parse(sim.requests.at(-1)?.body ?? '{}') as { requests: Array<{ params: { model: string } }> }
    assert.equal(seen.requests[0]?.params.model, 'claude-haiku-4-5')
  })

  test('a virtual model is listed by /v1/models and served by its rule', async () => {
    const list = await client.models.list()
    assert.ok(list.data.some((model) => model.id === 'claude-auto'))
    const one = await client.models.retrieve('claude-auto')
    assert.equal(one.display_name, 'Auto (cheapest capable)')
    await client.messages.create(ask('claude-auto'))
    assert.equal(lastModelSeen(), 'claude-haiku-4-5')
  })
})

describe('splits', () => {
  test('a 1,000-request split lands within ±3 points of the weights', async () => {
    sim.reset()
    const batch = 50
    for (let i = 0; i < 1000; i += batch) {
      await Promise.all(Array.from({ length: batch }, () => client.messages.create(ask('claude-sonnet-4-6'))))
    }
    const models = sim.requests.map((r) => (JSON.parse(r.body) as { model: string }).model)
    const haiku = models.filter((m) => m === 'claude-haiku-4-5').length
    assert.equal(models.length, 1000)
    assert.ok(Math.abs(haiku / 10 - 30) <= 3, `haiku share ${haiku / 10}%`)
  })

  test('a sticky key always maps to one model', async () => {
    for (const user of ['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6']) {
      const seen = new Set<string>()
      for (let i = 0; i < 8; i++) {
        await client.messages.create(ask('claude-opus-4-6', 'hi', { metadata: { user_id: user } }))
        seen.add(lastModelSeen())
      }
      assert.equal(seen.size, 1, `${user} saw ${[...seen].join(', ')}`)
    }
  })
})

describe('fallbacks', () => {
  test('a 529 on the target falls back to the next model; the client sees one clean response', async () => {
    sim.reset()
    try {
      sim.setModelBehaviour('claude-haiku-4-5', { status: 529 })
      const { data, response } = await client.messages.create(ask('claude-auto')).withResponse()
      assert.equal(data.model, 'claude-sonnet-4-5')
      assert.equal(response.headers.get('x-gateway-model'), 'claude-sonnet-4-5')
      assert.match(response.headers.get('x-gateway-fallbacks') ?? '', /claude-haiku-4-5->claude-sonnet-4-5:529/)
      assert.deepEqual(sim.requests.map((r) => (JSON.parse(r.body) as { model: string }).model), ['claude-haiku-4-5', 'claude-sonnet-4-5'])
    } finally {
      sim.setModelBehaviour('claude-haiku-4-5', null)
    }
  })

  test('fallback walks the whole chain on 429 and 500', async () => {
    sim.reset()
    sim.setModelBehaviour('claude-haiku-4-5', { status: 429 })
    sim.setModelBehaviour('claude-sonnet-4-5', { status: 500 })
    try {
      const message = await client.messages.create(ask('claude-opus-4-1'))
      assert.equal(message.model, 'claude-opus-4-5')
    } finally {
      sim.setModelBehaviour('claude-haiku-4-5', null)
      sim.setModelBehaviour('claude-sonnet-4-5', null)
    }
  })

  test('a connection dropped before any response falls back to the next model', async () => {
    // The upstream is one origin, so a per-model connection failure is a socket the simulator
    // destroys without answering: undici sees the same error class as a refused connection.
    sim.setModelBehaviour('claude-haiku-4-5', { hang: 'reset' })
    try {
      const message = await client.messages.create(ask('claude-auto'))
      assert.equal(message.model, 'claude-sonnet-4-5')
    } finally {
      sim.setModelBehaviour('claude-haiku-4-5', null)
    }
  })

  test('a 529 mid-stream is not retried', async () => {
    sim.reset()
    const err = await client.messages.stream(ask('claude-auto'), { headers: { 'x-sim-error-after-events': '3' } }).finalMessage().catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.APIError)
    assert.equal(sim.requests.length, 1)
  })
})

describe('hot reload', () => {
  test('a reload while 50 requests are in flight fails none', async (t) => {
    t.after(() => gw.swapConfig(POLICY))
    sim.reset()
    const inFlight = Array.from({ length: 50 }, () => client.messages.create(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support', 'x-sim-latency-ms': '300' } }))
    // Swap only once all 50 have reached the upstream, i.e. are truly in flight.
    const deadline = Date.now() + 5000
    while (sim.requests.length < 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(sim.requests.length, 50)
    await gw.swapConfig('routes: []')
    const results = await Promise.allSettled(inFlight)
    assert.equal(results.filter((r) => r.status === 'rejected').length, 0)
    for (const r of results) if (r.status === 'fulfilled') assert.equal(r.value.model, 'claude-haiku-4-5', 'in-flight requests keep their snapshot')
    await client.messages.create(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support' } })
    assert.equal(lastModelSeen(), 'claude-sonnet-4-5', 'new requests see the new policy')
  })
})

describe('explain', () => {
  test('POST /v1/gateway/explain returns the decision without calling upstream', async () => {
    sim.reset()
    const res = await request(`${gw.url}/v1/gateway/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-team': 'support', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify(ask('claude-sonnet-4-5'))
    })
    assert.equal(res.statusCode, 200)
    const json = await res.body.json() as { decision: { targetModel: string; rule: string } }
    assert.equal(json.decision.targetModel, 'claude-haiku-4-5')
    assert.equal(json.decision.rule, 'support-team')
    assert.equal(sim.requests.length, 0)
  })
})

describe('model retirement', () => {
  test('after its end-of-life day, Sonnet 4.5 is sent to Sonnet 4.6; rules on either name apply', async () => {
    // Its own gateway on the day after claude-sonnet-4-5's retirement (2026-11-30 in config/models.yaml).
    // The canary rule matches the replacement name too (a 30/70 split): draw its 70% side.
    const retired = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, deps: { now: () => Date.parse('2026-12-01T09:00:00Z'), random: () => 0.99 } })
    try {
      const sdk = new Anthropic({ baseURL: retired.url, apiKey: 'sk-test', maxRetries: 0 })
      sim.reset()
      const { data, response } = await sdk.messages.create(ask('claude-sonnet-4-5-20250929')).withResponse()
      assert.equal(lastModelSeen(), 'claude-sonnet-4-6')
      assert.equal(data.model, 'claude-sonnet-4-6')
      assert.equal(response.headers.get('x-gateway-lifecycle-remap'), 'claude-sonnet-4-5-20250929->claude-sonnet-4-6')
      assert.equal(response.headers.get('x-gateway-rule'), 'canary', 'rules on the replacement name apply too')
      assert.match(await retired.scrape(), /llm_gateway_lifecycle_remaps_total\{from="claude-sonnet-4-5",to="claude-sonnet-4-6"\} 1/)

      // The support rule names claude-sonnet-4-5*: old clients still get their cheap route.
      await sdk.messages.create(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support' } })
      assert.equal(lastModelSeen(), 'claude-haiku-4-5')

      // A rule whose target retired is skipped rather than sending a request that would fail.
      await sdk.messages.create(ask('claude-opus-5', 'short'))
      assert.equal(lastModelSeen(), 'claude-opus-5')
    } finally {
      await retired.close()
    }
  })
})
