// Tenancy on a Redis Cluster: two gateway processes on a three-master Cluster enforce one tenant's
// limit exactly and add up its spend. Every key of a tenant carries the `{tenant}` hash tag, so
// each Lua check-and-charge runs on one node; a key outside the tag would fail with CROSSSLOT and
// the requests would fail open (no tenant rate-limit headers), which this test tells apart. A batch's
// owner is found by its id alone (its own hash tag) and its once-only charge runs in the tenant's slot.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { sha256Hex } from '../../src/credential-digest.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import type { GatewayProcess } from '../helpers/gateway-process.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import type { TestRedisCluster } from '../helpers/redis-cluster.js'

const ADMIN = 'admin-token'
const KEY = 'tlk-cluster-key'
const BATCH_KEY = 'tlk-cluster-batches'
const LIMIT = 12
const HELLO = { model: 'claude-sonnet-4-6', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }] }
const USAGE = { input_tokens: 1000, output_tokens: 100 }

let sim: Simulator
let cluster: TestRedisCluster
let dir: string
let gateways: GatewayProcess[] = []

before(async () => {
  sim = await createSimulator()
  cluster = await startRedisCluster()
  dir = await mkdtemp(join(tmpdir(), 'thriftline-tenancy-cluster-'))
  const file = join(dir, 'policy.yaml')
  await writeFile(file, `
auth: { mode: gateway_keys }
tenants:
  - name: shared
    auth: gateway_keys
    limits: { requests_per_minute: ${LIMIT} }
    keys: [{ id: shared-1, sha256: ${sha256Hex(KEY)} }]
  - name: batcher
    auth: gateway_keys
    limits: { usd_per_day: 1 }
    keys: [{ id: batcher-1, sha256: ${sha256Hex(BATCH_KEY)} }]
`)
  const env = { GATEWAY_CONFIG: file, REDIS_CLUSTER_NODES: cluster.seeds, ANTHROPIC_UPSTREAM_URL: sim.url, ADMIN_TOKEN: ADMIN, ANTHROPIC_API_KEY: 'sk-ant-gateway' }
  gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)])
})

after(async () => {
  await Promise.all(gateways.map((gw) => gw.stop()))
  await cluster.stop()
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

async function send (gw: GatewayProcess): Promise<Response> {
  return await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    body: JSON.stringify(HELLO),
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': KEY, 'x-sim-usage': JSON.stringify(USAGE) }
  })
}

test('two gateway processes on a Redis Cluster admit exactly the limit per window, counted by the tenant\'s own script', async () => {
  const second = (Date.now() % 60_000) / 1000
  if (second > 40) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000))
  const results = await Promise.all(Array.from({ length: 36 }, (_, i) => send(gateways[i % 2] as GatewayProcess)))
  const windows = new Map<string, { ok: number; refused: number }>()
  for (const res of results) {
    await res.arrayBuffer()
    // Only answers the limits store counted carry the tenant's limit: a failed-open answer would not.
    if (res.status === 200) assert.equal(res.headers.get('anthropic-ratelimit-requests-limit'), String(LIMIT), 'counted in the Cluster, not failed open')
    const reset = res.headers.get('anthropic-ratelimit-requests-reset') ?? 'none'
    const counts = windows.get(reset) ?? { ok: 0, refused: 0 }
    if (res.status === 200) counts.ok++
    else if (res.status === 429) counts.refused++
    else assert.fail(`unexpected status ${res.status}`)
    windows.set(reset, counts)
  }
  const summary = JSON.stringify([...windows])
  assert.ok(!windows.has('none'), summary)
  for (const counts of windows.values()) {
    assert.ok(counts.ok <= LIMIT, summary)
    if (counts.refused > 0) assert.equal(counts.ok, LIMIT, summary)
  }
  const servedBy = [0, 1].map((g) => results.filter((res, i) => i % 2 === g && res.status === 200).length)
  assert.ok(servedBy[0]! > 0 && servedBy[1]! > 0, JSON.stringify(servedBy))
  // Both replicas read one spend for the tenant from the Cluster (charges land just after each answer).
  const spendOf = async (gw: GatewayProcess): Promise<string | undefined> => {
    const res = await fetch(`${gw.url}/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN}` } })
    const body = await res.json() as { tenants: Array<{ name: string; spend: { day: { spent_usd: string } } }> }
    return body.tenants.find((tenant) => tenant.name === 'shared')?.spend.day.spent_usd
  }
  let spends: Array<string | undefined> = []
  const deadline = Date.now() + 5000
  do {
    await new Promise((resolve) => setTimeout(resolve, 100))
    spends = await Promise.all(gateways.map(spendOf))
  } while (spends[0] !== spends[1] && Date.now() < deadline)
  assert.equal(spends[0], spends[1])
  assert.ok(spends[0] !== undefined && Number(spends[0]) > 0, String(spends[0]))
})

test('a batch created through one process and downloaded through the other twice is charged to its creator once, on the Cluster', async () => {
  sim.setModelBehaviour('claude-sonnet-4-6', { usage: { input_tokens: 2000, output_tokens: 400 } })
  const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': BATCH_KEY }
  const created = await fetch(`${gateways[0]!.url}/v1/messages/batches`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ requests: [{ custom_id: 'c1', params: HELLO }, { custom_id: 'c2', params: HELLO }] })
  })
  assert.equal(created.status, 200)
  // Counted by the tenant's script (a failed-open creation would not say how much budget is used).
  assert.equal(created.headers.get('x-gateway-budget-used'), '0.0000')
  const { id } = await created.json() as { id: string }
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${gateways[1]!.url}/v1/messages/batches/${id}/results`, { headers })
    assert.equal(res.status, 200)
    assert.equal((await res.text()).trim().split('\n').length, 2)
  }
  const res = await fetch(`${gateways[0]!.url}/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN}` } })
  const body = await res.json() as { tenants: Array<{ name: string; spend: { day: { spent_usd: string } }; keys: Array<{ id: string; spend: { day: { spent_usd: string } } }> }> }
  const batcher = body.tenants.find((tenant) => tenant.name === 'batcher')
  // Sonnet 4.6 at batch prices: 2 × (2000 × $3 + 400 × $15) / 1e6 / 2.
  assert.equal(batcher?.spend.day.spent_usd, '0.012')
  assert.equal(batcher?.keys.find((key) => key.id === 'batcher-1')?.spend.day.spent_usd, '0.012')
})
