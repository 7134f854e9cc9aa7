// Circuit breakers and the retry budget over the simulator, through the SDK: a dead primary is
// skipped once its breaker opens (the simulator sees no more calls to it until the half-open
// trial); a chain of dead models gets 529 overloaded_error with retry-after at once; fallbacks
// stop at the retry budget.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

const DEAD = 'claude-haiku-4-5'
const SPARE = 'claude-sonnet-4-5'
const COOL_DOWN_MS = 1500

const POLICY = `
upstream:
  circuit_breaker: { min_failures: 3, failure_ratio: 0.5, window: 10s, cool_down: ${COOL_DOWN_MS}ms }
  retry_budget: { ratio: 0.2, min_per_window: 100, window: 10s }
routes:
  - name: with-spare
    match: { model: claude-auto }
    action: { model: ${DEAD}, fallback: [${SPARE}] }
  - name: alone
    match: { model: claude-solo }
    action: { model: claude-opus-4-5 }
virtual_models:
  - { id: claude-auto }
  - { id: claude-solo }
`

let sim: Simulator
let gw: StartedGateway
let client: Anthropic

const ask = (model: string) => ({ model, max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] })
const modelsCalled = (): string[] => sim.requests.map((r) => (JSON.parse(r.body) as { model: string }).model)
const metricLine = (text: string, prefix: string): string | undefined => text.split('\n').find((line) => line.startsWith(prefix))

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY })
  client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: gw.url, maxRetries: 0 })
})

after(async () => {
  await gw.close()
  await sim.close()
})

describe('a dead primary with a fallback', () => {
  test('after the breaker opens, requests go straight to the fallback until the half-open trial', async () => {
    sim.reset()
    sim.setModelBehaviour(DEAD, { status: 500 })
    try {
      // Three failures open it; each of these requests is still served by the fallback.
      for (let i = 0; i < 3; i++) {
        const message = await client.messages.create(ask('claude-auto'))
        assert.equal(message.model, SPARE)
      }
      assert.deepEqual(modelsCalled().filter((m) => m === DEAD).length, 3)
      sim.reset()
      sim.setModelBehaviour(DEAD, { status: 500 })
      for (let i = 0; i < 5; i++) {
        const { data, response } = await client.messages.create(ask('claude-auto')).withResponse()
        assert.equal(data.model, SPARE)
        assert.match(response.headers.get('x-gateway-fallbacks') ?? '', new RegExp(`${DEAD}->${SPARE}:circuit_open`))
      }
      assert.deepEqual(modelsCalled(), Array(5).fill(SPARE), 'no call reached the dead model while the breaker was open')
      const open = await gw.scrape()
      assert.equal(metricLine(open, `llm_gateway_circuit_breaker_state{model="${DEAD}"}`), `llm_gateway_circuit_breaker_state{model="${DEAD}"} 2`)
      assert.match(open, new RegExp(`llm_gateway_circuit_breaker_short_circuits_total\\{model="${DEAD}"\\} 5`))
      assert.match(open, new RegExp(`llm_gateway_circuit_breaker_transitions_total\\{model="${DEAD}",to="open"\\} 1`))

      // The model recovers; after the cool-down one trial request reaches it and closes the breaker.
      sim.setModelBehaviour(DEAD, null)
      await new Promise((resolve) => setTimeout(resolve, COOL_DOWN_MS + 100))
      sim.reset()
      const trial = await client.messages.create(ask('claude-auto'))
      assert.equal(trial.model, DEAD)
      const after = await client.messages.create(ask('claude-auto'))
      assert.equal(after.model, DEAD)
      assert.deepEqual(modelsCalled(), [DEAD, DEAD])
      const closed = await gw.scrape()
      assert.equal(metricLine(closed, `llm_gateway_circuit_breaker_state{model="${DEAD}"}`), `llm_gateway_circuit_breaker_state{model="${DEAD}"} 0`)
      assert.match(closed, new RegExp(`llm_gateway_circuit_breaker_transitions_total\\{model="${DEAD}",to="half_open"\\} 1`))
      assert.match(closed, new RegExp(`llm_gateway_circuit_breaker_transitions_total\\{model="${DEAD}",to="closed"\\} 1`))
    } finally {
      sim.setModelBehaviour(DEAD, null)
    }
  })

  test('a failed trial re-opens the breaker: one call reaches the model per cool-down', async () => {
    sim.reset()
    sim.setModelBehaviour(DEAD, { hang: 'reset' })
    try {
      for (let i = 0; i < 3; i++) await client.messages.create(ask('claude-auto'))
      await new Promise((resolve) => setTimeout(resolve, COOL_DOWN_MS + 100))
      sim.reset()
      sim.setModelBehaviour(DEAD, { hang: 'reset' })
      for (let i = 0; i < 4; i++) assert.equal((await client.messages.create(ask('claude-auto'))).model, SPARE)
      assert.deepEqual(modelsCalled(), [DEAD, SPARE, SPARE, SPARE, SPARE], 'the trial, then straight to the fallback')
    } finally {
      sim.setModelBehaviour(DEAD, null)
    }
    // Leave it closed for the next test.
    await new Promise((resolve) => setTimeout(resolve, COOL_DOWN_MS + 100))
    await client.messages.create(ask('claude-auto'))
  })
})

describe('nothing left to call', () => {
  test('an open breaker with no fallback answers 529 overloaded_error with retry-after, without calling upstream', async () => {
    sim.reset()
    sim.setModelBehaviour('claude-opus-4-5', { status: 529, retryAfter: 'none' })
    try {
      for (let i = 0; i < 3; i++) {
        const res = await request(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(ask('claude-solo')) })
        assert.equal(res.statusCode, 529)
        await res.body.dump()
      }
      sim.reset()
      const res = await request(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(ask('claude-solo')) })
      assert.equal(res.statusCode, 529)
      const retryAfter = Number(res.headers['retry-after'])
      assert.ok(retryAfter >= 1 && retryAfter <= Math.ceil(COOL_DOWN_MS / 1000), `retry-after ${String(res.headers['retry-after'])}`)
      assert.equal(res.headers['x-should-retry'], undefined)
      const body = await res.body.json() as { type: string; error: { type: string; message: string } }
      assert.equal(body.type, 'error')
      assert.equal(body.error.type, 'overloaded_error')
      assert.match(body.error.message, /claude-opus-4-5/)
      assert.equal(sim.requests.length, 0, 'the upstream was not called')
      // The SDK reads it as the API's own overload answer.
      const err = await client.messages.create(ask('claude-solo')).catch((e: unknown) => e)
      assert.ok(err instanceof Anthropic.APIError)
      assert.equal(err.status, 529)
    } finally {
      sim.setModelBehaviour('claude-opus-4-5', null)
    }
  })
})

describe('the retry budget', () => {
  test('past the budget, fallbacks stop and the upstream answer goes back as it is', async () => {
    const budgetGw = await startGateway({
      upstreamUrl: sim.url,
      policyYaml: POLICY.replace('min_per_window: 100', 'min_per_window: 2').replace('min_failures: 3', 'min_failures: 1000')
    })
    const budgetClient = new Anthropic({ apiKey: 'sk-ant-test', baseURL: budgetGw.url, maxRetries: 0 })
    sim.reset()
    sim.setModelBehaviour(DEAD, { status: 529, retryAfter: 'none' })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const outcome = await budgetClient.messages.create(ask('claude-auto')).then((m) => m.model, (e: unknown) => e instanceof Anthropic.APIError ? e.status : 'other')
        statuses.push(outcome === SPARE ? 200 : Number(outcome))
      }
      // The k-th request may fall back while fallbacks so far < 2 + 0.2·k: the first three do,
      // the 4th and 5th (3 ≥ 2.8, 3 ≥ 3.0) get the primary's own 529.
      assert.deepEqual(statuses, [200, 200, 200, 529, 529])
      assert.equal(modelsCalled().filter((m) => m === SPARE).length, 3)
      assert.match(await budgetGw.scrape(), /llm_gateway_retry_budget_exhausted_total 2/)
    } finally {
      sim.setModelBehaviour(DEAD, null)
      await budgetGw.close()
    }
  })
})
