// Tenancy's stores open with the first policy that has tenants: with REDIS_URL and no tenants the
// gateway holds only the cache's Redis connection; a reload that adds tenants opens the tenancy
// connection before the policy applies, and its limits hold from the first request.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { sha256Hex } from '../../src/credential-digest.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import type { GatewayProcess } from '../helpers/gateway-process.js'
import { startRedis } from '../helpers/redis-server.js'
import type { TestRedis } from '../helpers/redis-server.js'

const ADMIN = 'admin-token'
const KEY = 'tlk-lazy-key'
const HELLO = { model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] }

let sim: Simulator
let redis: TestRedis
let dir: string
let gw: GatewayProcess | null = null

before(async () => {
  sim = await createSimulator({ record: false })
  redis = await startRedis()
  dir = await mkdtemp(join(tmpdir(), 'thriftline-tenancy-lazy-'))
})

after(async () => {
  await gw?.stop()
  await redis.stop()
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

/** Clients connected to the test's Redis, redis-cli's own connection left out. */
function redisClients (): number {
  const list = spawnSync('redis-cli', ['-p', String(redis.port), 'client', 'list']).stdout.toString()
  return list.split('\n').filter((line) => line.startsWith('id=') && !/ cmd=client\|list /.test(line)).length
}

async function settled (expected: number): Promise<number> {
  const deadline = Date.now() + 3000
  let count = redisClients()
  while (count !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    count = redisClients()
  }
  return count
}

async function send (key: string): Promise<number> {
  const res = await fetch(`${gw?.url ?? ''}/v1/messages`, {
    method: 'POST',
    body: JSON.stringify(HELLO),
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key }
  })
  await res.arrayBuffer()
  return res.status
}

test('REDIS_URL without tenants: only the cache connects; a reload adding tenants connects tenancy and its limits apply at once', async () => {
  const file = join(dir, 'policy.yaml')
  await writeFile(file, 'routes: []\n')
  gw = await startGatewayProcess({ GATEWAY_CONFIG: file, REDIS_URL: redis.url, ANTHROPIC_UPSTREAM_URL: sim.url, ADMIN_TOKEN: ADMIN, ANTHROPIC_API_KEY: 'sk-ant-gateway' })
  assert.equal(await send('sk-ant-client'), 200)
  assert.equal(await settled(1), 1, 'the response cache\'s connection only')

  await writeFile(file, `
auth: { mode: gateway_keys }
tenants:
  - name: team
    auth: gateway_keys
    limits: { requests_per_minute: 1 }
    keys: [{ id: team-1, sha256: ${sha256Hex(KEY)} }]
`)
  const reload = await fetch(`${gw.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })
  assert.equal(reload.status, 200)
  assert.equal(((await reload.json()) as { result: string }).result, 'success')
  assert.equal(redisClients(), 2, 'tenancy connected before the policy applied')
  assert.equal(await send(KEY), 200)
  assert.equal(await send(KEY), 429, 'the limit is held in Redis from the first request')
  assert.equal(await send('tlk-unknown'), 401)
  const keys = spawnSync('redis-cli', ['-p', String(redis.port), '--scan']).stdout.toString().trim().split('\n').filter(Boolean)
  assert.ok(keys.length > 0, 'the tenancy wrote its counters to Redis')
})
