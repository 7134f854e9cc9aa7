// Issue 5 acceptance: a real Prometheus scrapes a gateway serving simulator traffic; every PromQL
// expression of the dashboard and of the alert rules then parses and returns data.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { HAS_PROMETHEUS, startPrometheus } from '../helpers/prometheus.js'
import type { TestPrometheus } from '../helpers/prometheus.js'
import { ALERT_EXPRS, DASHBOARD_EXPRS, concrete, measured } from '../helpers/promql.js'
import { sha256Hex } from '../../src/credential-digest.js'

// Every rule kind, so that every panel has series: rewrite, shadow, fallback, a pricier target
// (extra cost), a guard skip (thinking on a model without it), tenants, and a gateway-key tenant
// whose tiny budget and rate limit produce a downgrade, a rejection and (with a bad key) a 401.
const METERED_KEY = 'tlk-metered'
const POLICY = `
cache: { mode: deterministic }
tenants:
  - { name: support, headers: { x-team: support } }
  - name: metered
    auth: gateway_keys
    limits: { requests_per_minute: 2, usd_per_day: 0.000001 }
    budget: { on_exceeded: downgrade, downgrade_to: claude-haiku-4-5, alert_at: 0.5 }
    keys: [{ id: metered-1, sha256: ${sha256Hex(METERED_KEY)} }]
routes:
  - name: thinking-to-haiku-3
    match: { model: claude-sonnet-4-5, thinking: true }
    action: { model: claude-3-haiku }
  - name: support-to-haiku
    match: { model: claude-sonnet-4-5, header: { x-team: support } }
    action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5] }
  - name: upgrade
    match: { model: claude-haiku-4-5, header: { x-upgrade: "1" } }
    action: { model: claude-sonnet-4-5 }
  - name: opus-shadow
    match: { model: claude-opus-4-5 }
    action: { model: claude-haiku-4-5 }
    mode: shadow
  - name: followup-downgrade
    match: { model: claude-sonnet-4-6, header: { x-followup: "1" } }
    action: { model: claude-haiku-4-5 }
  - name: followup-downgrade-anyway
    prompt_cache: ignore
    match: { model: claude-opus-4-6, header: { x-followup: "1" } }
    action: { model: claude-haiku-4-5 }
`

/** A conversation whose cached system prompt is warm on its model after the first call (prompt-cache panels). */
const cachedTurn = (model: string) => ({ model, max_tokens: 512, system: [{ type: 'text' as const, text: 'Project rules. '.repeat(2500), cache_control: { type: 'ephemeral' as const } }], messages: [{ role: 'user' as const, content: 'next step?' }] })

let sim: Simulator
let gw: StartedGateway
let prom: TestPrometheus | null = null

const ask = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 512, messages: [{ role: 'user' as const, content: `hello ${Math.random()}` }], ...extra })
const USAGE = { 'x-sim-usage': JSON.stringify({ input_tokens: 1000, output_tokens: 100, cache_read_input_tokens: 200, cache_creation_input_tokens: 50 }) }

async function traffic (client: Anthropic): Promise<void> {
  const cached = ask('claude-sonnet-4-5', { temperature: 0 })
  await Promise.all([
    client.messages.create(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support', ...USAGE } }),
    client.messages.stream(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support', ...USAGE } }).finalMessage(),
    client.messages.create(ask('claude-haiku-4-5'), { headers: { 'x-upgrade': '1', ...USAGE } }),
    client.messages.create(ask('claude-opus-4-5'), { headers: USAGE }),
    client.messages.create(ask('claude-sonnet-4-5', { thinking: { type: 'enabled', budget_tokens: 1024 } }), { headers: USAGE }),
    client.messages.create(ask('claude-sonnet-4-5'), { headers: { 'x-sim-status': '400' } }).catch(() => undefined),
    client.messages.create(ask('claude-haiku-4-5'), { headers: { 'x-sim-status': '500' } }).catch(() => undefined),
    client.messages.create(cached, { headers: USAGE }).then(() => client.messages.create(cached, { headers: USAGE })),
    // Warm, then a follow-up a rule would move: protected (Sonnet) and moved anyway (Opus, `ignore`).
    client.messages.create(cachedTurn('claude-sonnet-4-6')).then(() => client.messages.create(cachedTurn('claude-sonnet-4-6'), { headers: { 'x-followup': '1' } })),
    client.messages.create(cachedTurn('claude-opus-4-6')).then(() => client.messages.create(cachedTurn('claude-opus-4-6'), { headers: { 'x-followup': '1' } }))
  ])
  sim.setModelBehaviour('claude-haiku-4-5', { status: 529 })
  await client.messages.create(ask('claude-sonnet-4-5'), { headers: { 'x-team': 'support', ...USAGE } })
  sim.setModelBehaviour('claude-haiku-4-5', null)
  const metered = new Anthropic({ baseURL: gw.url, apiKey: METERED_KEY, maxRetries: 0 })
  await metered.messages.create(ask('claude-sonnet-4-5'), { headers: USAGE }).catch(() => undefined)
  await metered.messages.create(ask('claude-sonnet-4-5'), { headers: USAGE }).catch(() => undefined)
  await metered.messages.create(ask('claude-sonnet-4-5')).catch(() => undefined)
  await new Anthropic({ baseURL: gw.url, apiKey: 'tlk-unknown', maxRetries: 0 }).messages.create(ask('claude-sonnet-4-5')).catch(() => undefined)
}

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, cache: 'memory', tenancy: 'memory', env: { ANTHROPIC_API_KEY: 'sk-ant-gateway' }, defaultMetrics: true })
})

after(async () => {
  await prom?.stop()
  await gw.close()
  await sim.close()
})

test('every dashboard and alert expression parses and returns data from a real Prometheus', { skip: HAS_PROMETHEUS ? false : 'prometheus is not installed (apt-get install prometheus)', timeout: 90_000 }, async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
  await traffic(client)
  prom = await startPrometheus(gw.url.replace('http://', ''))
  const running = prom
  // rate() needs two samples: keep traffic flowing while a few scrapes land.
  const deadline = Date.now() + 30_000
  for (;;) {
    await traffic(client)
    const probe = await running.query('sum(rate(llm_gateway_requests_total[1m])) > 0')
    if (probe.status === 'success' && (probe.data?.result.length ?? 0) > 0) break
    if (Date.now() > deadline) assert.fail('Prometheus never saw two scrapes with traffic')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  await traffic(client)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const empty: string[] = []
  for (const { panel, expr } of DASHBOARD_EXPRS) {
    const result = await running.query(concrete(expr))
    assert.equal(result.status, 'success', `${panel}: ${expr}: ${result.error ?? ''}`)
    if ((result.data?.result.length ?? 0) === 0) empty.push(`${panel}: ${expr}`)
  }
  for (const { alert, expr } of ALERT_EXPRS) {
    const full = await running.query(expr)
    assert.equal(full.status, 'success', `${alert}: ${full.error ?? ''}`)
    const lhs = await running.query(measured(expr))
    assert.equal(lhs.status, 'success', `${alert}: ${lhs.error ?? ''}`)
    if ((lhs.data?.result.length ?? 0) === 0) empty.push(`${alert}: ${measured(expr)}`)
  }
  assert.deepEqual(empty, [], 'every expression returns data')
})
