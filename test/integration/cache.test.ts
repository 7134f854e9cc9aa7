// Issue 4 acceptance: the response cache, against a real redis-server started by the test.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createServer } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { Redis } from 'ioredis'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { startRedis } from '../helpers/redis-server.js'
import { KEY_PREFIX } from '../../src/cache/key.js'
import type { TestRedis } from '../helpers/redis-server.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'

// operation_timeout well above the 50 ms default: on a loaded machine a lookup slower than that
// fails open to the upstream, and the call counts below would measure the machine, not the cache.
const POLICY = `
cache: { mode: deterministic, ttl: 10m, operation_timeout: 1s }
routes:
  - name: support
    match: { model: claude-sonnet-4-5, header: { x-team: support } }
    action: { model: claude-haiku-4-5 }
`

let sim: Simulator
let redis: TestRedis
let gw: StartedGateway
let client: Anthropic

const DETERMINISTIC = { model: 'claude-sonnet-4-5', max_tokens: 64, temperature: 0, messages: [{ role: 'user' as const, content: 'Classify: where is my order?' }] }
let n = 0
/** A fresh deterministic request, so tests do not share entries. */
const fresh = (extra: Record<string, unknown> = {}) => ({ ...DETERMINISTIC, messages: [{ role: 'user' as const, content: `question ${++n} ${Date.now()}` }], ...extra })

before(async () => {
  sim = await createSimulator()
  redis = await startRedis()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, cache: { redisUrl: redis.url } })
  // temperature only exists on API 2023-06-01; these clients speak it, as Claude Code does.
  await waitForCacheReady(gw.url)
  client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-key-a', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
})

after(async () => {
  await gw.close()
  await redis.stop()
  await sim.close()
})

/** The SDK's stream helper adds `parsed_output` and undefined fields that a JSON create lacks. */
function comparable (message: Anthropic.Message | undefined): unknown {
  const { parsed_output: _parsed, ...rest } = JSON.parse(JSON.stringify(message ?? null)) as Record<string, unknown>
  return rest
}

async function waitForCacheReady (url: string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const res = await request(`${url}/readyz`)
    const body = await res.body.json() as { cache: string }
    if (body.cache === 'ok') return
    if (Date.now() > deadline) throw new Error('cache never became ready')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function waitFor (done: () => Promise<boolean>, message: string): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!await done()) {
    if (Date.now() > deadline) throw new Error(message)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function redisKeyCount (): Promise<number> {
  const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await probe.connect()
    return (await probe.keys(KEY_PREFIX + '*')).length
  } finally {
    probe.disconnect()
  }
}

async function callsFor (run: () => Promise<unknown>): Promise<number> {
  const before = sim.requests.length
  await run()
  return sim.requests.length - before
}

test('a JSON hit returns the very bytes the upstream answered (here pretty-printed), with their own length', async () => {
  // The simulator writes compact JSON, which re-serialising would reproduce: this upstream does not.
  const answer = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'Grüße ✓' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 4 } }, null, 2)
  let calls = 0
  const upstream = createServer((req, res) => {
    calls++
    req.resume()
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }).end(answer) })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const address = upstream.address()
  const own = await startGateway({ upstreamUrl: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, policyYaml: POLICY, cache: 'memory' })
  try {
    const send = async () => {
      const res = await request(`${own.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-key-a', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify(DETERMINISTIC)
      })
      return { cache: res.headers['x-gateway-cache'], length: res.headers['content-length'], text: Buffer.from(await res.body.arrayBuffer()).toString('utf8') }
    }
    const miss = await send()
    const hit = await send()
    assert.deepEqual([miss.cache, hit.cache, calls], ['miss', 'hit', 1])
    assert.equal(hit.text, answer)
    assert.equal(hit.length, String(Buffer.byteLength(answer)))
  } finally {
    await own.close()
    await new Promise((resolve) => upstream.close(resolve))
  }
})

describe('hits and misses (Redis store)', () => {
  test('the same deterministic request twice: the second is a hit, one upstream call, equal bodies', async () => {
    const params = fresh()
    const first = await client.messages.create(params).withResponse()
    const calls = await callsFor(async () => {
      const second = await client.messages.create(params).withResponse()
      assert.equal(second.response.headers.get('x-gateway-cache'), 'hit')
      assert.match(second.response.headers.get('age') ?? '', /^\d+$/)
      assert.deepEqual(second.data, first.data)
    })
    assert.equal(first.response.headers.get('x-gateway-cache'), 'miss')
    assert.equal(calls, 0)
  })

  test('a different API key is a miss (entries are isolated per key)', async () => {
    const params = fresh()
    await client.messages.create(params)
    const other = new Anthropic({ baseURL: gw.url, apiKey: 'sk-key-b', maxRetries: 0 })
    assert.equal(await callsFor(() => other.messages.create(params)), 1)
  })

  test('a different model after rewrite, temperature or beta header is a miss', async () => {
    const params = fresh()
    await client.messages.create(params)
    assert.equal(await callsFor(() => client.messages.create(params, { headers: { 'x-team': 'support' } })), 1, 'rewritten to haiku')
    assert.equal(await callsFor(() => client.messages.create({ ...params, top_k: 5 } as typeof params)), 1, 'sampling changed')
    assert.equal(await callsFor(() => client.messages.create(params, { headers: { 'anthropic-beta': 'some-beta-2026-01-01' } })), 1, 'beta set changed')
    assert.equal(await callsFor(() => client.messages.create(params)), 0, 'the original is still a hit')
  })

  test('temperature 1 is not cached in deterministic mode, unless the request opts in', async () => {
    const params = fresh({ temperature: 1 })
    await client.messages.create(params)
    assert.equal(await callsFor(() => client.messages.create(params)), 1)
    const optIn = fresh({ temperature: undefined })
    const first = await client.messages.create(optIn, { headers: { 'x-gateway-cache': 'on' } }).withResponse()
    assert.equal(first.response.headers.get('x-gateway-cache'), 'miss')
    assert.equal(await callsFor(() => client.messages.create(optIn, { headers: { 'x-gateway-cache': 'on' } })), 0)
  })

  test('cache-control: no-cache refreshes the entry; no-store neither reads nor writes', async () => {
    const params = fresh()
    await client.messages.create(params)
    assert.equal(await callsFor(() => client.messages.create(params, { headers: { 'cache-control': 'no-cache' } })), 1)
    assert.equal(await callsFor(() => client.messages.create(params)), 0)
    const unstored = fresh()
    const first = await client.messages.create(unstored, { headers: { 'cache-control': 'no-store' } }).withResponse()
    assert.equal(first.response.headers.get('x-gateway-cache'), 'bypass')
    assert.equal(await callsFor(() => client.messages.create(unstored)), 1, 'no-store did not write')
  })

  test('errors are not stored', async () => {
    const params = fresh()
    await client.messages.create(params, { headers: { 'x-sim-status': '500' } }).catch(() => undefined)
    assert.equal(await callsFor(() => client.messages.create(params)), 1)
  })

  test('a truncated stream or one with a mid-stream error is not stored', async () => {
    const params = fresh()
    await client.messages.stream(params, { headers: { 'x-sim-error-after-events': '4' } }).finalMessage().catch(() => undefined)
    assert.equal(await callsFor(() => client.messages.create(params)), 1)
  })
})

describe('streams', () => {
  for (const scenario of ['text', 'tool_use', 'thinking']) {
    test(`stream miss then stream hit: finalMessage() is identical (${scenario})`, async () => {
      const params = fresh()
      const headers = { 'x-sim-scenario': scenario }
      const first = await client.messages.stream(params, { headers }).finalMessage()
      let second: Anthropic.Message | undefined
      assert.equal(await callsFor(async () => { second = await client.messages.stream(params, { headers }).finalMessage() }), 0)
      assert.deepEqual(second, first)
    })
  }

  test('JSON miss then stream hit, and stream miss then JSON hit', async () => {
    const a = fresh()
    const json = await client.messages.create(a)
    let streamed: Anthropic.Message | undefined
    assert.equal(await callsFor(async () => { streamed = await client.messages.stream(a).finalMessage() }), 0)
    assert.deepEqual(comparable(streamed), comparable(json))

    const b = fresh()
    const streamedFirst = await client.messages.stream(b).finalMessage()
    let jsonSecond: Anthropic.Message | undefined
    assert.equal(await callsFor(async () => { jsonSecond = await client.messages.create(b) }), 0)
    assert.deepEqual(comparable(jsonSecond), comparable(streamedFirst))
  })
})

describe('stampede protection', () => {
  test('50 concurrent identical misses make one upstream call', async () => {
    const params = fresh()
    const calls = await callsFor(() => Promise.all(Array.from({ length: 50 }, () =>
      client.messages.create(params, { headers: { 'x-sim-latency-ms': '100' } }))))
    assert.equal(calls, 1)
  })

  test('two gateway processes sharing one Redis: a miss on one is a hit on the other; concurrent misses make one call', async () => {
    // This file's policy (its generous operation_timeout) rather than the default one.
    const dir = await mkdtemp(join(tmpdir(), 'thriftline-cache-'))
    await writeFile(join(dir, 'gateway.yaml'), POLICY)
    const env = { ANTHROPIC_UPSTREAM_URL: sim.url, REDIS_URL: redis.url, GATEWAY_CONFIG: join(dir, 'gateway.yaml') }
    const [one, two] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)])
    try {
      const c1 = new Anthropic({ baseURL: one.url, apiKey: 'sk-shared', maxRetries: 0 })
      const c2 = new Anthropic({ baseURL: two.url, apiKey: 'sk-shared', maxRetries: 0 })
      // Each process connects to Redis on its own; a request before that is served uncached.
      await Promise.all([waitForCacheReady(one.url), waitForCacheReady(two.url)])
      const params = fresh()
      const keysBefore = await redisKeyCount()
      await c1.messages.create(params)
      // The store write is fire-and-forget after the response: let it land before asking `two`.
      await waitFor(async () => await redisKeyCount() > keysBefore, 'the first response was never stored')
      assert.equal(await callsFor(async () => {
        const { response } = await c2.messages.create(params).withResponse()
        assert.equal(response.headers.get('x-gateway-cache'), 'hit')
      }), 0)
      const together = fresh()
      const calls = await callsFor(() => Promise.all(Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? c1 : c2).messages.create(together, { headers: { 'x-sim-latency-ms': '300' } }))))
      assert.equal(calls, 1)
    } finally {
      await Promise.all([one.stop(), two.stop()])
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('failing open', () => {
  test('killing redis-server while traffic runs fails no request; readyz says degraded; hits resume after restart', async () => {
    const params = fresh()
    await client.messages.create(params)
    let failures = 0
    let running = true
    const traffic = (async () => {
      while (running) {
        await client.messages.create(params).catch(() => { failures++ })
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 100))
    await redis.kill()
    await new Promise((resolve) => setTimeout(resolve, 400))
    const ready = await request(`${gw.url}/readyz`)
    const readyBody = await ready.body.json() as { cache: string }
    assert.equal(ready.statusCode, 200)
    assert.equal(readyBody.cache, 'degraded')
    await redis.start()
    // Reconnection is automatic: wait until a stored entry is served again.
    const deadline = Date.now() + 10_000
    let resumed = false
    const again = fresh()
    while (!resumed && Date.now() < deadline) {
      await client.messages.create(again)
      await new Promise((resolve) => setTimeout(resolve, 200))
      const { response } = await client.messages.create(again).withResponse()
      resumed = response.headers.get('x-gateway-cache') === 'hit'
    }
    running = false
    await traffic
    assert.equal(failures, 0)
    assert.ok(resumed, 'hits resumed without restarting the gateway')
    const metrics = await gw.scrape()
    assert.match(metrics, /llm_gateway_cache_failures_total\{operation="get"\} [1-9]/)
  })
})

describe('limits (memory store)', () => {
  test('TTL expiry and the entry-size limit', async () => {
    const small = await startGateway({ upstreamUrl: sim.url, policyYaml: 'cache: { mode: all, ttl: 1s, max_entry_bytes: 600 }', cache: 'memory' })
    try {
      const c = new Anthropic({ baseURL: small.url, apiKey: 'k', maxRetries: 0 })
      const params = fresh()
      await c.messages.create(params, { headers: { 'x-sim-output-tokens': '3' } })
      assert.equal(await callsFor(() => c.messages.create(params, { headers: { 'x-sim-output-tokens': '3' } })), 0, 'small entry stored')
      await new Promise((resolve) => setTimeout(resolve, 1100))
      assert.equal(await callsFor(() => c.messages.create(params, { headers: { 'x-sim-output-tokens': '3' } })), 1, 'expired after its ttl')
      const big = fresh()
      await c.messages.create(big, { headers: { 'x-sim-output-tokens': '400' } })
      assert.equal(await callsFor(() => c.messages.create(big, { headers: { 'x-sim-output-tokens': '400' } })), 1, 'too large to store')
    } finally {
      await small.close()
    }
  })
})
