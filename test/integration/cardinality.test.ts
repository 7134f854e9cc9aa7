// Issue 5 acceptance: 10,000 requests with random user ids and unknown models leave the number of
// series bounded: label values come only from the catalog, the rules and the configured tenants.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Pool } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator({ record: false })
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: 'tenants: [{ name: team-a, headers: { x-team: a } }]' })
})

after(async () => {
  await gw.close()
  await sim.close()
})

async function drive (pool: Pool, count: number, offset: number): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = offset + next++
      const body = JSON.stringify({
        model: i % 3 === 0 ? 'claude-haiku-4-5' : `unknown-model-${i}`,
        max_tokens: 16,
        metadata: { user_id: `user-${i}-${Math.random()}` },
        messages: [{ role: 'user', content: `hi ${i}` }]
      })
      const res = await pool.request({ path: '/v1/messages', method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': `key-${i}`, 'anthropic-version': '2023-06-01', ...(i % 2 === 0 ? { 'x-team': 'a' } : {}) } })
      await res.body.dump()
    }
  }
  await Promise.all(Array.from({ length: 50 }, worker))
}

function seriesOf (text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('llm_gateway_'))
}

test('10,000 requests with random user ids and unknown models leave the series count bounded', { timeout: 120_000 }, async () => {
  const pool = new Pool(gw.url, { connections: 50 })
  try {
    await drive(pool, 300, 0)
    const early = seriesOf(await gw.scrape())
    await drive(pool, 9_700, 300)
    const late = seriesOf(await gw.scrape())
    assert.equal(late.length, early.length, 'no new series after the first 300 requests')
    assert.ok(late.length < 400, `${late.length} series`)
    const requests = late.filter((line) => line.startsWith('llm_gateway_requests_total{'))
    const total = requests.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
    assert.equal(total, 10_000, 'every request was counted')
    const labels = late.join('\n')
    assert.doesNotMatch(labels, /user-\d|unknown-model-\d|key-\d/, 'no user id, model or key as a label value')
    assert.match(labels, /requested_model="other"/)
    assert.match(labels, /tenant="team-a"/)
  } finally {
    await pool.close()
  }
})
