// The upstream simulator over real HTTP, with the official SDK (1.x: anthropic-version 2026-10-21,
// Authorization: Bearer) and raw fetch (2023-06-01, x-api-key) as clients.

import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic, { toFile } from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'

let sim: Simulator
let client: Anthropic

const PARAMS = { model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }] }
const TOOLS = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } } } }]
const OLD_HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-old', 'anthropic-version': '2023-06-01' }

before(async () => {
  sim = await createSimulator()
  client = new Anthropic({ baseURL: sim.url, apiKey: 'test', maxRetries: 0 })
})
after(async () => { await sim.close() })
beforeEach(() => { sim.reset() })

const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(sim.url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { ...OLD_HEADERS, ...headers }, signal })

/** What the SDK's own additions and the per-call id aside, a message is. */
function comparable (message: Anthropic.Message): unknown {
  const { id, stop_details: stopDetails, parsed_output: parsed, ...rest } = message as Anthropic.Message & { parsed_output?: unknown }
  assert.match(id, /^msg_/)
  assert.ok(stopDetails == null && parsed == null)
  return rest
}

/** Reads a streamed body, noting when each SSE event arrived. */
async function readEvents (res: Response): Promise<Array<{ name: string; atMs: number }>> {
  const events: Array<{ name: string; atMs: number }> = []
  const decoder = new TextDecoder()
  let text = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = text.indexOf('\n\n')) !== -1) {
      events.push({ name: /^event: (\S+)/.exec(text)?.[1] ?? '?', atMs: Date.now() })
      text = text.slice(end + 2)
    }
  }
  return events
}

describe('messages', () => {
  test('create: echoes the model, deterministic content, full usage, request-id and rate-limit headers; SDK 1.x headers recorded', async () => {
    const { data: first, response } = await client.messages.create(PARAMS).withResponse()
    const second = await client.messages.create(PARAMS)
    assert.equal(first.model, 'claude-haiku-4-5')
    assert.match(first.id, /^msg_/)
    assert.notEqual(first.id, second.id)
    assert.deepEqual({ ...first, id: '' }, { ...second, id: '' })
    assert.equal(first.stop_reason, 'end_turn')
    assert.equal(first.usage.output_tokens, 12)
    assert.equal(first.usage.cache_read_input_tokens, 0)
    assert.match(response.headers.get('request-id') ?? '', /^req_/)
    assert.equal(response.headers.get('anthropic-ratelimit-requests-limit'), '4000')
    assert.match(response.headers.get('anthropic-ratelimit-requests-reset') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const seen = sim.requests[0]
    assert.equal(seen?.headers['anthropic-version'], '2026-10-21')
    assert.equal(seen?.headers.authorization, 'Bearer test')
    assert.deepEqual(JSON.parse(seen?.body ?? ''), PARAMS)
    assert.ok(seen !== undefined && seen.rawHeaders.includes('authorization') && seen.receivedAtMs > 0)
  })

  for (const scenario of ['text', 'tool_use', 'thinking'] as const) {
    test(`stream().finalMessage() equals the JSON reply: ${scenario}`, async () => {
      const params = { ...PARAMS, tools: TOOLS }
      const headers = { 'x-sim-scenario': scenario, 'x-sim-ping': '1', 'x-sim-unknown-event': '1' }
      const streamed = await client.messages.stream(params, { headers }).finalMessage()
      const json = await client.messages.create(params, { headers })
      assert.deepEqual(comparable(streamed), comparable(json))
      if (scenario === 'tool_use') {
        const tool = streamed.content.find((b) => b.type === 'tool_use')
        assert.deepEqual(tool?.type === 'tool_use' ? tool.input : null, { location: 'San Francisco, CA', unit: 'celsius' })
        assert.equal(tool?.type === 'tool_use' ? tool.name : null, 'get_weather')
        assert.equal(streamed.stop_reason, 'tool_use')
      }
      if (scenario === 'thinking') {
        const thinking = streamed.content[0]
        assert.ok(thinking?.type === 'thinking' && thinking.thinking.length > 0 && thinking.signature.length > 0)
      }
    })
  }

  test('x-sim-usage is reported exactly, in JSON and as the stream\'s final usage', async () => {
    const usage = { input_tokens: 1200, output_tokens: 345, cache_creation_input_tokens: 300, cache_read_input_tokens: 4000, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 }, server_tool_use: { web_search_requests: 3, web_fetch_requests: 0 } }
    const headers = { 'x-sim-usage': JSON.stringify(usage) }
    assert.deepEqual((await client.messages.create(PARAMS, { headers })).usage, usage)
    assert.deepEqual((await client.messages.stream(PARAMS, { headers }).finalMessage()).usage, usage)
  })

  test('old clients: x-api-key, 2023-06-01 and ?beta=true; x-sim-output-tokens sets the length', async () => {
    const res = await post('/v1/messages?beta=true', PARAMS, { 'x-sim-output-tokens': '3' })
    assert.equal(res.status, 200)
    const message = await res.json() as Anthropic.Message
    assert.equal(message.usage.output_tokens, 3)
    assert.equal(message.content[0]?.type === 'text' ? message.content[0].text.split(' ').length : 0, 3)
    assert.equal(sim.requests[0]?.headers['x-api-key'], 'sk-old')
    assert.equal(sim.requests[0]?.url, '/v1/messages?beta=true')
  })

  test('invalid bodies and malformed x-sim-* headers → 400 invalid_request_error', async () => {
    const table: Array<[unknown, Record<string, string>, RegExp]> = [
      ['{"model": ', {}, /JSON object/],
      [{ ...PARAMS, model: undefined }, {}, /^model:/],
      [{ ...PARAMS, messages: undefined }, {}, /^messages:/],
      [{ ...PARAMS, messages: [] }, {}, /^messages:/],
      [{ ...PARAMS, max_tokens: undefined }, {}, /^max_tokens:/],
      [{ ...PARAMS, max_tokens: 'lots' }, {}, /^max_tokens:/],
      [PARAMS, { 'x-sim-scenario': 'sonnet' }, /^x-sim-scenario:/]
    ]
    for (const [body, headers, message] of table) {
      const res = await post('/v1/messages', body, headers)
      const json = await res.json() as { type: string; error: { type: string; message: string }; request_id: string }
      assert.equal(res.status, 400)
      assert.equal(json.error.type, 'invalid_request_error')
      assert.match(json.error.message, message)
      assert.equal(json.request_id, res.headers.get('request-id'))
    }
  })
})

describe('injected errors reach the SDK as its typed errors', () => {
  const table: Array<[number, new (...args: never[]) => Error, string]> = [
    [400, Anthropic.BadRequestError, 'invalid_request_error'], [401, Anthropic.AuthenticationError, 'authentication_error'],
    [403, Anthropic.PermissionDeniedError, 'permission_error'], [404, Anthropic.NotFoundError, 'not_found_error'],
    [413, Anthropic.ContentTooLargeError, 'request_too_large'], [429, Anthropic.RateLimitError, 'rate_limit_error'],
    [500, Anthropic.InternalServerError, 'api_error'], [504, Anthropic.GatewayTimeoutError, 'timeout_error'],
    [529, Anthropic.OverloadedError, 'overloaded_error']
  ]
  for (const [status, ErrorClass, type] of table) {
    test(`${status} → ${ErrorClass.name}`, async () => {
      const err = await client.messages.create(PARAMS, { headers: { 'x-sim-status': String(status), 'x-sim-retry-after': status === 429 || status === 529 ? '7' : undefined } }).catch((e: unknown) => e)
      assert.ok(err instanceof ErrorClass, String(err))
      assert.ok(err instanceof Anthropic.APIError)
      assert.equal(err.status, status)
      assert.equal((err.error as { error: { type: string } }).error.type, type)
      assert.match(String(err.requestID), /^req_/)
      assert.equal((err.error as { request_id: string }).request_id, err.requestID)
      assert.equal(err.headers?.get('retry-after') ?? null, status === 429 || status === 529 ? '7' : null)
    })
  }

  test('retry-after defaults to 1 on 429/529 and can be left out; streams fail the same way', async () => {
    const res = await post('/v1/messages', PARAMS, { 'x-sim-status': '529' })
    assert.equal(res.headers.get('retry-after'), '1')
    const spendCap = await post('/v1/messages', PARAMS, { 'x-sim-status': '429', 'x-sim-retry-after': 'none' })
    assert.equal(spendCap.headers.get('retry-after'), null)
    const err = await client.messages.stream(PARAMS, { headers: { 'x-sim-status': '529' } }).finalMessage().catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.OverloadedError)
  })

  test('setModelBehaviour makes one model fail until reset; other models are unaffected', async () => {
    sim.setModelBehaviour('claude-haiku-4-5', { status: 529 })
    assert.ok(await client.messages.create(PARAMS).catch((e: unknown) => e) instanceof Anthropic.OverloadedError)
    assert.equal((await client.messages.create({ ...PARAMS, model: 'claude-sonnet-4-6' })).model, 'claude-sonnet-4-6')
    sim.setModelBehaviour('claude-haiku-4-5', null)
    assert.equal((await client.messages.create(PARAMS)).model, 'claude-haiku-4-5')
  })

  test('x-sim-error-after-events: N events, then event: error; the SDK throws overloaded_error', async () => {
    const events = await readEvents(await post('/v1/messages', { ...PARAMS, stream: true }, { 'x-sim-error-after-events': '3' }))
    assert.deepEqual(events.map((e) => e.name), ['message_start', 'content_block_start', 'ping', 'error'])
    const err = await client.messages.stream(PARAMS, { headers: { 'x-sim-error-after-events': '2' } }).finalMessage().catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.APIError)
    assert.match(String(err.message), /overloaded/i)
  })
})

describe('timing, hangs and aborts', () => {
  test('x-sim-latency-ms delays the headers; x-sim-event-delay-ms spaces the events', async () => {
    const started = Date.now()
    const res = await post('/v1/messages', { ...PARAMS, stream: true }, { 'x-sim-latency-ms': '150', 'x-sim-event-delay-ms': '40', 'x-sim-output-tokens': '4' })
    assert.ok(Date.now() - started >= 140, 'headers after the latency')
    const events = await readEvents(res)
    assert.equal(events.at(-1)?.name, 'message_stop')
    const span = (events.at(-1)?.atMs ?? 0) - (events[0]?.atMs ?? 0)
    assert.ok(span >= 40 * (events.length - 1) * 0.8, `${events.length} events over ${span} ms`)
  })

  test('x-sim-first-token-ms holds the first content delta back; x-sim-stamp marks each delta with its send time', async () => {
    const res = await post('/v1/messages', { ...PARAMS, stream: true }, { 'x-sim-first-token-ms': '120', 'x-sim-event-delay-ms': '5', 'x-sim-output-tokens': '3', 'x-sim-stamp': '1' })
    const text = await res.text()
    const blocks = text.split('\n\n').filter((b) => b !== '')
    const firstDelta = blocks.findIndex((b) => b.startsWith('event: content_block_delta'))
    assert.ok(firstDelta > 0)
    const sentAt = blocks.filter((b) => b.startsWith('event: content_block_delta')).map((b) => (JSON.parse(b.slice(b.indexOf('data: ') + 6)) as { sim_sent_at: number }).sim_sent_at)
    assert.equal(sentAt.length, 3)
    for (let i = 1; i < sentAt.length; i++) assert.ok((sentAt[i] ?? 0) - (sentAt[i - 1] ?? 0) >= 4, `deltas spaced: ${sentAt.join(', ')}`)
    const startRes = await post('/v1/messages', { ...PARAMS, stream: true }, { 'x-sim-first-token-ms': '400', 'x-sim-output-tokens': '1' })
    const events = await readEvents(startRes)
    const start = events.find((e) => e.name === 'message_start')?.atMs ?? 0
    const delta = events.find((e) => e.name === 'content_block_delta')?.atMs ?? 0
    assert.ok(delta - start >= 250, `first token ${delta - start} ms after message_start`)
  })

  test('a client that goes away mid-stream is counted as aborted', async () => {
    const before = sim.abortedRequests()
    const controller = new AbortController()
    const stream = client.messages.stream(PARAMS, { headers: { 'x-sim-event-delay-ms': '100', 'x-sim-output-tokens': '100' }, signal: controller.signal })
    await new Promise<void>((resolve) => stream.once('text', () => resolve()))
    controller.abort()
    await stream.finalMessage().catch(() => undefined)
    await sim.waitForAborted(before + 1, 2000)
  })

  test('x-sim-hang: headers never answers, body stops after the first event, reset drops the connection', async () => {
    const before = sim.abortedRequests()
    await assert.rejects(post('/v1/messages', PARAMS, { 'x-sim-hang': 'headers' }, AbortSignal.timeout(150)))
    const res = await post('/v1/messages', { ...PARAMS, stream: true }, { 'x-sim-hang': 'body' }, AbortSignal.timeout(300))
    assert.equal(res.status, 200)
    await assert.rejects(readEvents(res))
    await sim.waitForAborted(before + 2, 2000)
    const err = await client.messages.create(PARAMS, { headers: { 'x-sim-hang': 'reset' } }).catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.APIConnectionError, String(err))
  })

  test('close() ends hung requests and open sockets', async () => {
    const other = await createSimulator({ record: false })
    const hung = fetch(other.url + '/v1/messages', { method: 'POST', body: JSON.stringify(PARAMS), headers: { ...OLD_HEADERS, 'x-sim-latency-ms': '60000' } }).catch((e: unknown) => e)
    while (other.openConnections() === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    await other.close()
    assert.ok(await hung instanceof Error)
    assert.equal(other.openConnections(), 0)
    assert.equal(other.requests.length, 0)
  })
})

describe('count_tokens, models, batches, files, unknown paths', () => {
  test('count_tokens: a deterministic estimate', async () => {
    const a = await client.messages.countTokens({ model: PARAMS.model, messages: PARAMS.messages })
    const b = await client.messages.countTokens({ model: PARAMS.model, messages: [{ role: 'user', content: 'x'.repeat(4000) }] })
    assert.ok(a.input_tokens >= 1 && b.input_tokens > 900 && b.input_tokens < 1100)
    assert.deepEqual(await client.messages.countTokens({ model: PARAMS.model, messages: PARAMS.messages }), a)
  })

  test('models: list pages with limit/after_id, retrieve by id or alias, 404 for unknown', async () => {
    const all = []
    for await (const model of client.models.list({ limit: 3 })) all.push(model)
    assert.ok(all.length >= 8)
    assert.equal(new Set(all.map((m) => m.id)).size, all.length)
    for (const id of ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-sonnet-4-20250514']) assert.ok(all.some((m) => m.id === id), id)
    const page = await client.models.list({ limit: 2 })
    assert.equal(page.data.length, 2)
    assert.equal(page.has_more, true)
    assert.equal((await client.models.retrieve('claude-haiku-4-5')).id, 'claude-haiku-4-5-20251001')
    assert.equal((await client.models.retrieve('claude-opus-4-6')).type, 'model')
    const err = await client.models.retrieve('claude-nope').catch((e: unknown) => e)
    assert.ok(err instanceof Anthropic.NotFoundError)
  })

  test('batches: create → retrieve → results (JSONL at an absolute results_url) → list, cancel, delete', async () => {
    sim.setModelBehaviour('claude-opus-4-6', { status: 529 })
    const batch = await client.messages.batches.create({ requests: [{ custom_id: 'a-1', params: PARAMS }, { custom_id: 'b_2', params: { ...PARAMS, model: 'claude-opus-4-6' } }] })
    assert.equal(batch.processing_status, 'ended')
    assert.equal(batch.results_url, `${sim.url}/v1/messages/batches/${batch.id}/results`)
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 0 })
    assert.equal((await client.messages.batches.retrieve(batch.id)).id, batch.id)
    const results = []
    for await (const entry of await client.messages.batches.results(batch.id)) results.push(entry)
    assert.equal(results[0]?.custom_id, 'a-1')
    assert.equal(results[0]?.result.type === 'succeeded' ? results[0].result.message.model : null, 'claude-haiku-4-5')
    assert.equal(results[1]?.result.type === 'errored' ? results[1].result.error.error.type : null, 'overloaded_error')
    const raw = await fetch(batch.results_url ?? '')
    assert.equal(raw.headers.get('content-type'), 'application/binary')
    assert.equal((await raw.text()).trim().split('\n').length, 2)
    assert.ok((await client.messages.batches.list()).data.some((b) => b.id === batch.id))
    assert.equal((await client.messages.batches.cancel(batch.id)).id, batch.id)
    assert.equal((await client.messages.batches.delete(batch.id)).type, 'message_batch_deleted')
    assert.ok(await client.messages.batches.retrieve(batch.id).catch((e: unknown) => e) instanceof Anthropic.NotFoundError)
    const bad = await client.messages.batches.create({ requests: [{ custom_id: 'no spaces!', params: PARAMS }] }).catch((e: unknown) => e)
    assert.ok(bad instanceof Anthropic.BadRequestError)
  })

  test('files: a multipart upload is stored as received; metadata and content come back', async () => {
    const bytes = Buffer.alloc(300_000, 3)
    const file = await client.files.upload({ file: await toFile(bytes, 'data.bin', { type: 'application/octet-stream' }) })
    assert.match(file.id, /^file_/)
    assert.equal(file.filename, 'data.bin')
    assert.ok(file.size_bytes > bytes.length, 'the whole multipart body is counted')
    assert.equal(sim.requests.at(-1)?.body, `<${file.size_bytes} bytes>`)
    assert.deepEqual(await client.files.retrieveMetadata(file.id), file)
    const content = Buffer.from(await (await client.files.download(file.id)).arrayBuffer())
    assert.equal(content.length, file.size_bytes)
    assert.ok(content.includes(bytes))
    assert.equal((await client.files.delete(file.id)).id, file.id)
  })

  test('anything else → 404 not_found_error envelope with a request id', async () => {
    for (const [method, path] of [['GET', '/v1/nothing'], ['POST', '/v2/messages'], ['GET', '/v1/messages']]) {
      const res = await fetch(sim.url + path, { method, headers: OLD_HEADERS, body: method === 'POST' ? '{}' : undefined })
      const json = await res.json() as { type: string; error: { type: string }; request_id: string }
      assert.equal(res.status, 404, `${method} ${path}`)
      assert.deepEqual([json.type, json.error.type], ['error', 'not_found_error'])
      assert.equal(json.request_id, res.headers.get('request-id'))
    }
  })
})
