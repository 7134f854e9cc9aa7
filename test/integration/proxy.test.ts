// Issue 2 acceptance: the gateway is invisible to the official SDK, except for what it adds.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { request as undiciRequest } from 'undici'
import { createServer, request as httpRequest } from 'node:http'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

let sim: Simulator
let gw: StartedGateway
let direct: Anthropic
let viaGateway: Anthropic

const PARAMS = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello there' }] }

/** Message ids are random per call; everything else must be identical. */
function withoutId<T extends { id: string }> (message: T): Omit<T, 'id'> {
  const { id, ...rest } = message
  assert.match(id, /^msg_/)
  return rest
}

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url })
  direct = new Anthropic({ baseURL: sim.url, apiKey: 'sk-test-direct', maxRetries: 0 })
  viaGateway = new Anthropic({ baseURL: gw.url, apiKey: 'sk-test-key', maxRetries: 0 })
})

after(async () => {
  await gw.close()
  await sim.close()
})

describe('messages through the SDK', () => {
  test('a non-streaming create returns what the upstream sent', async () => {
    const expected = await direct.messages.create(PARAMS)
    const got = await viaGateway.messages.create(PARAMS)
    assert.deepEqual(withoutId(got), withoutId(expected))
  })

  for (const scenario of ['text', 'tool_use', 'thinking']) {
    test(`messages.stream() reassembles a ${scenario} reply exactly`, async () => {
      const headers = { 'x-sim-scenario': scenario }
      const expected = await direct.messages.stream(PARAMS, { headers }).finalMessage()
      const got = await viaGateway.messages.stream(PARAMS, { headers }).finalMessage()
      assert.deepEqual(withoutId(got), withoutId(expected))
      if (scenario === 'tool_use') assert.ok(got.content.some((block) => block.type === 'tool_use'))
      if (scenario === 'thinking') assert.ok(got.content.some((block) => block.type === 'thinking'))
    })
  }

  test('the upstream sees exactly the forwarded headers and body', async () => {
    sim.reset()
    const body = JSON.stringify({ ...PARAMS, metadata: { user_id: 'u1' }, future_field: { kept: true } })
    // node:http, because undici refuses to send hop-by-hop headers at all.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'sk-ant-key',
          'anthropic-version': '2023-06-01',
          'anthropic-beta': 'tools-2024-04-04,prompt-caching-2024-07-31',
          'x-stainless-retry-count': '0',
          'user-agent': 'claude-cli/2.1.0 (external, cli)',
          connection: 'keep-alive, x-hop',
          'x-hop': 'must-not-pass',
          'keep-alive': 'timeout=5',
          'proxy-authorization': 'Basic nope'
        }
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
      req.on('error', reject)
      req.end(body)
    })
    assert.equal(status, 200)
    const seen = sim.requests.at(-1)
    assert.ok(seen)
    assert.equal(seen.url, '/v1/messages?beta=true')
    assert.equal(seen.body, body, 'unchanged body forwarded byte for byte')
    assert.equal(seen.headers['x-api-key'], 'sk-ant-key')
    assert.equal(seen.headers['anthropic-version'], '2023-06-01')
    assert.equal(seen.headers['anthropic-beta'], 'tools-2024-04-04,prompt-caching-2024-07-31')
    assert.equal(seen.headers['x-stainless-retry-count'], '0')
    assert.equal(seen.headers['user-agent'], 'claude-cli/2.1.0 (external, cli)')
    for (const hop of ['x-hop', 'keep-alive', 'proxy-authorization']) assert.equal(seen.headers[hop], undefined, hop)
    assert.notEqual(seen.headers.connection, 'keep-alive, x-hop')
  })

  test('a 2026-10-21 client with a bearer token is forwarded as it is, with no field added', async () => {
    sim.reset()
    await viaGateway.messages.create(PARAMS)
    const seen = sim.requests.at(-1)
    assert.ok(seen)
    assert.match(String(seen.headers.authorization), /^Bearer sk-test-key$/)
    assert.equal(seen.headers['anthropic-version'], '2026-10-21')
    assert.deepEqual(Object.keys(JSON.parse(seen.body)).sort(), ['max_tokens', 'messages', 'model'])
  })
})

describe('other endpoints pass through', () => {
  test('count_tokens', async () => {
    const expected = await direct.messages.countTokens({ model: PARAMS.model, messages: PARAMS.messages })
    const got = await viaGateway.messages.countTokens({ model: PARAMS.model, messages: PARAMS.messages })
    assert.deepEqual(got, expected)
  })

  test('models list and get', async () => {
    const list = await viaGateway.models.list()
    assert.ok(list.data.length > 0)
    const first = list.data[0]
    assert.ok(first)
    const one = await viaGateway.models.retrieve(first.id)
    assert.equal(one.id, first.id)
  })

  test('a batch is created, and its results are fetched through the gateway', async () => {
    sim.reset()
    const batch = await viaGateway.messages.batches.create({ requests: [{ custom_id: 'one', params: PARAMS }] })
    assert.ok(batch.results_url?.startsWith(gw.url), `results_url ${batch.results_url} points at the gateway`)
    const results = []
    for await (const entry of await viaGateway.messages.batches.results(batch.id)) results.push(entry)
    assert.equal(results.length, 1)
    assert.equal(results[0]?.custom_id, 'one')
    assert.ok(sim.requests.some((r) => r.url.includes('/results')), 'results fetched from the upstream via the gateway')
  })
})

describe('pass-through, probes and health', () => {
  test('a 5 MB multipart file upload streams through, and its content comes back byte for byte', async () => {
    const payload = Buffer.alloc(5 * 1024 * 1024, 7)
    const boundary = 'thriftline-test-boundary'
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`),
      payload,
      Buffer.from(`\r\n--${boundary}--\r\n`)
    ])
    const res = await undiciRequest(`${gw.url}/v1/files`, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } })
    assert.equal(res.statusCode, 200)
    const file = await res.body.json() as { id: string; size_bytes: number }
    assert.equal(file.size_bytes, body.length, 'the upstream received every byte')
    const content = await undiciRequest(`${gw.url}/v1/files/${file.id}/content`, { headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } })
    assert.equal(content.statusCode, 200)
    assert.ok(Buffer.from(await content.body.arrayBuffer()).equals(body))
  })

  test('HEAD /api/hello answers 200; /healthz and /readyz report', async () => {
    const hello = await undiciRequest(`${gw.url}/api/hello`, { method: 'HEAD' })
    assert.equal(hello.statusCode, 200)
    await hello.body.dump()
    const health = await undiciRequest(`${gw.url}/healthz`)
    assert.deepEqual(await health.body.json(), { status: 'ok' })
    const ready = await undiciRequest(`${gw.url}/readyz`)
    const readyBody = await ready.body.json() as { status: string; upstream: string; cache: string }
    assert.equal(ready.statusCode, 200)
    assert.equal(readyBody.status, 'ready')
    assert.equal(readyBody.upstream, sim.url)
    assert.equal(readyBody.cache, 'disabled')
  })

  test('an unknown /v1 path is passed through and the upstream 404 comes back as it is', async () => {
    const res = await undiciRequest(`${gw.url}/v1/not-a-thing/123`, { headers: { 'x-api-key': 'k' } })
    const json = await res.body.json() as { error: { type: string }; request_id: string }
    assert.equal(res.statusCode, 404)
    assert.equal(json.error.type, 'not_found_error')
    assert.match(json.request_id, /^req_sim_/, 'the upstream answered, not the gateway')
  })
})

describe('upstream errors reach the SDK as its typed errors', () => {
  const CASES: Array<[number, new (...args: never[]) => Error]> = [
    [400, Anthropic.BadRequestError],
    [401, Anthropic.AuthenticationError],
    [404, Anthropic.NotFoundError],
    [413, Anthropic.APIError],
    [429, Anthropic.RateLimitError],
    [500, Anthropic.InternalServerError],
    [529, Anthropic.APIError]
  ]
  for (const [status, ErrorClass] of CASES) {
    test(`${status}`, async () => {
      const headers = { 'x-sim-status': String(status), 'x-sim-retry-after': '7' }
      const expected = await direct.messages.create(PARAMS, { headers }).catch((err: unknown) => err)
      const got = await viaGateway.messages.create(PARAMS, { headers }).catch((err: unknown) => err)
      assert.ok(got instanceof ErrorClass, `got ${String(got)}`)
      assert.ok(expected instanceof Anthropic.APIError && got instanceof Anthropic.APIError)
      assert.equal(got.status, status)
      assert.deepEqual(got.error, expected.error === undefined ? got.error : { ...expected.error, request_id: (got.error as { request_id?: string }).request_id })
      assert.match(String(got.requestID), /^req_/)
      if (status === 429 || status === 529) assert.equal(got.headers?.get('retry-after'), '7')
    })
  }
})

describe('streaming behaviour', () => {
  test('events arrive spaced as the upstream spaced them', async () => {
    const arrivals: number[] = []
    const stream = viaGateway.messages.stream(PARAMS, { headers: { 'x-sim-event-delay-ms': '60', 'x-sim-output-tokens': '6' } })
    stream.on('text', () => arrivals.push(Date.now()))
    await stream.finalMessage()
    assert.ok(arrivals.length >= 5, `got ${arrivals.length} text events`)
    const span = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)
    // Buffering would deliver them together; spacing proves each was flushed when it arrived.
    assert.ok(span >= 60 * (arrivals.length - 1) * 0.6, `text events spread over ${span} ms`)
  })

  test('aborting a stream closes the upstream connection within 1 s', async () => {
    const abortedBefore = sim.abortedRequests()
    const controller = new AbortController()
    const stream = viaGateway.messages.stream(PARAMS, { headers: { 'x-sim-event-delay-ms': '200', 'x-sim-output-tokens': '100' }, signal: controller.signal })
    await new Promise<void>((resolve) => stream.once('text', () => resolve()))
    const abortedAt = Date.now()
    controller.abort()
    await stream.finalMessage().catch(() => undefined)
    await sim.waitForAborted(abortedBefore + 1, 1000)
    assert.ok(Date.now() - abortedAt < 1000)
  })

  test('a client that gives up waiting for a non-streamed answer cancels the upstream request', async () => {
    const abortedBefore = sim.abortedRequests()
    const controller = new AbortController()
    const pending = viaGateway.messages.create(PARAMS, { headers: { 'x-sim-latency-ms': '5000' }, signal: controller.signal, maxRetries: 0 })
    setTimeout(() => controller.abort(), 150)
    await assert.rejects(pending, Anthropic.APIUserAbortError)
    await sim.waitForAborted(abortedBefore + 1, 1000)
  })

  test('an upstream error event mid-stream is forwarded as is', async () => {
    const err = await viaGateway.messages.stream(PARAMS, { headers: { 'x-sim-error-after-events': '3' } }).finalMessage().catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.APIError)
    assert.match(String(err.message), /overloaded/i)
  })

  test('200 concurrent streams all complete byte-exact', async () => {
    const body = JSON.stringify({ ...PARAMS, stream: true })
    const headers = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'x-sim-output-tokens': '20' }
    const normalise = (text: string) => text.replace(/msg_[A-Za-z0-9]+/g, 'msg_X')
    const reference = normalise(await (await undiciRequest(`${sim.url}/v1/messages`, { method: 'POST', body, headers })).body.text())
    assert.match(reference, /event: message_stop/)
    const bodies = await Promise.all(Array.from({ length: 200 }, async () => {
      const res = await undiciRequest(`${gw.url}/v1/messages`, { method: 'POST', body, headers })
      assert.equal(res.statusCode, 200)
      return normalise(await res.body.text())
    }))
    for (const got of bodies) assert.equal(got, reference)
  })
})

test('a non-streamed answer leaves byte-exact with its own length, whatever characters it holds', async () => {
  // An upstream of our own: multi-byte text (the simulator's words are ASCII), a content-length
  // from the upstream, and, on the second path, no content-type at all.
  const answer = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'Grüße ✓ 日本語 🚀' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 7 } })
  const upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const headers: Record<string, string> = { 'content-length': String(Buffer.byteLength(answer)) }
      if (req.headers['x-typed'] === 'yes') headers['content-type'] = 'application/json'
      res.writeHead(200, headers).end(answer)
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const address = upstream.address()
  const own = await startGateway({ upstreamUrl: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` })
  try {
    for (const typed of ['yes', 'no']) {
      const res = await undiciRequest(`${own.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'x-typed': typed },
        body: JSON.stringify(PARAMS)
      })
      const bytes = Buffer.from(await res.body.arrayBuffer())
      assert.equal(res.statusCode, 200)
      assert.equal(bytes.toString('utf8'), answer)
      assert.equal(res.headers['content-length'], String(bytes.length))
      assert.equal(res.headers['content-type'], typed === 'yes' ? 'application/json' : 'text/plain; charset=utf-8')
    }
    assert.equal(own.outcomes.at(-1)?.usage?.output_tokens, 7)
  } finally {
    await own.close()
    await new Promise((resolve) => upstream.close(resolve))
  }
})

test('every client request is counted once and leaves the in-flight gauge at 0: answered, streamed, abandoned mid-stream, refused, unknown, buffered, passed through', async () => {
  const total = async (): Promise<number> => (await gw.scrape()).split('\n')
    .filter((line) => line.startsWith('llm_gateway_requests_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
  const inflight = async (): Promise<number[]> => (await gw.scrape()).split('\n')
    .filter((line) => line.startsWith('llm_gateway_inflight_requests{'))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)))
  const before = await total()
  const headers = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }
  await viaGateway.messages.create(PARAMS)
  await viaGateway.messages.stream(PARAMS).finalMessage()
  const controller = new AbortController()
  const abandoned = viaGateway.messages.stream(PARAMS, { headers: { 'x-sim-event-delay-ms': '100', 'x-sim-output-tokens': '50' }, signal: controller.signal })
  await new Promise<void>((resolve) => abandoned.once('text', () => resolve()))
  controller.abort()
  await abandoned.finalMessage().catch(() => undefined)
  await viaGateway.messages.countTokens({ model: PARAMS.model, messages: PARAMS.messages })
  await viaGateway.models.list()
  for (const [path, body] of [['/v1/messages', '{"model": '], ['/admin', undefined], ['/v1/unknown', '{}']] as const) {
    const res = await undiciRequest(`${gw.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body })
    await res.body.text()
  }
  await undiciRequest(`${gw.url}/healthz`).then(async (res) => await res.body.text())
  // The abandoned stream ends on the gateway once its upstream is aborted: give it a moment.
  const deadline = Date.now() + 3000
  while ((await total()) - before < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  await new Promise((resolve) => setTimeout(resolve, 200))
  // Pass-through requests used to be counted twice: by the route and by the generic record.
  assert.equal((await total()) - before, 8, 'eight client requests, the probe not among them')
  assert.deepEqual((await inflight()).filter((value) => value !== 0), [])
})
