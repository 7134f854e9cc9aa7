// Issue 2 acceptance: every malformed input gets Anthropic's error envelope with the right status,
// and the gateway keeps serving afterwards.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import { lineCollector } from '../helpers/log-lines.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

let sim: Simulator
let gw: StartedGateway

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }
const VALID = { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({
    upstreamUrl: sim.url,
    policyYaml: 'upstream: { headers_timeout: 400ms }',
    deps: { bodyLimitBytes: 64 * 1024 }
  })
})

after(async () => {
  await gw.close()
  await sim.close()
})

async function send (path: string, body: string | undefined, headers: Record<string, string> = HEADERS, method = 'POST') {
  const res = await request(`${gw.url}${path}`, { method: method as 'POST', body, headers })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, json: JSON.parse(text) as { type: string; error: { type: string; message: string }; request_id: string } }
}

const CASES: Array<{ name: string; path?: string; body?: string; headers?: Record<string, string>; method?: string; status: number; type: string; message: RegExp }> = [
  { name: 'invalid JSON', body: '{"model": ', status: 400, type: 'invalid_request_error', message: /not valid JSON/ },
  { name: 'empty body', body: '', status: 400, type: 'invalid_request_error', message: /empty/ },
  { name: 'a JSON array', body: '[]', status: 400, type: 'invalid_request_error', message: /JSON object/ },
  { name: 'missing model', body: JSON.stringify({ ...VALID, model: undefined }), status: 400, type: 'invalid_request_error', message: /^model:/ },
  { name: 'ill-typed model', body: JSON.stringify({ ...VALID, model: 42 }), status: 400, type: 'invalid_request_error', message: /^model:/ },
  { name: 'missing messages', body: JSON.stringify({ ...VALID, messages: undefined }), status: 400, type: 'invalid_request_error', message: /^messages:/ },
  { name: 'ill-typed messages', body: JSON.stringify({ ...VALID, messages: 'hi' }), status: 400, type: 'invalid_request_error', message: /^messages:/ },
  { name: 'missing max_tokens', body: JSON.stringify({ ...VALID, max_tokens: undefined }), status: 400, type: 'invalid_request_error', message: /^max_tokens:/ },
  { name: 'ill-typed max_tokens', body: JSON.stringify({ ...VALID, max_tokens: 'many' }), status: 400, type: 'invalid_request_error', message: /^max_tokens:/ },
  { name: 'a body over the limit', body: JSON.stringify({ ...VALID, pad: 'x'.repeat(70 * 1024) }), status: 413, type: 'request_too_large', message: /larger/ },
  { name: 'a non-JSON content type', body: 'hello', headers: { ...HEADERS, 'content-type': 'text/plain' }, status: 415, type: 'invalid_request_error', message: /content-type/ },
  { name: 'count_tokens without messages', path: '/v1/messages/count_tokens', body: JSON.stringify({ model: 'x' }), status: 400, type: 'invalid_request_error', message: /^messages:/ },
  { name: 'an unknown non-/v1 path', path: '/v2/messages', body: '{}', status: 404, type: 'not_found_error', message: /Not found/ },
  { name: 'a GET on an unknown root path', path: '/admin', method: 'GET', status: 404, type: 'not_found_error', message: /Not found/ }
]

for (const c of CASES) {
  test(`${c.name} → ${c.status} ${c.type}`, async () => {
    const res = await send(c.path ?? '/v1/messages', c.body, c.headers, c.method)
    assert.equal(res.status, c.status)
    assert.equal(res.json.type, 'error')
    assert.equal(res.json.error.type, c.type)
    assert.match(res.json.error.message, c.message)
    assert.match(res.json.request_id, /^gw_/)
    assert.equal(res.headers['x-should-retry'], 'false', 'retrying cannot fix a client error')
    assert.match(String(res.headers['content-type']), /^application\/json/)
  })
}

test('the gateway still serves after every bad input', async () => {
  const res = await send('/v1/messages', JSON.stringify(VALID))
  assert.equal(res.status, 200)
})

test('a model name no header can carry (CR/LF, control characters, emoji, 20 KB) is still answered, its gateway headers encoded and bounded', async () => {
  for (const [model, header] of [
    ['claude\r\nx-injected: 1', 'claude%0D%0Ax-injected%3A%201'],
    ['a\u0001b', 'a%01b'],
    ['claude-😀', 'claude-%F0%9F%98%80'],
    ['c'.repeat(20_000), 'c'.repeat(253) + '...']
  ] as const) {
    for (const stream of [false, true]) {
      // Before the fix Node refused the headers after the reply was taken over: no answer at all.
      const res = await request(`${gw.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ ...VALID, model, stream }), headers: HEADERS, headersTimeout: 5000, bodyTimeout: 5000 })
      await res.body.text()
      assert.equal(res.statusCode, 200, `${model.slice(0, 20)} stream=${String(stream)}`)
      assert.equal(res.headers['x-gateway-requested-model'], header)
      assert.equal(res.headers['x-gateway-model'], header)
      assert.equal(res.headers['x-injected'], undefined)
    }
  }
})

test('what the HTTP parser refuses is answered in Anthropic\'s shape too: malformed → 400, oversized headers → 431', async () => {
  const { port } = new URL(gw.url)
  for (const [raw, status] of [
    ['GARBAGE\r\n\r\n', 400],
    ['POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n', 400],
    [`GET /v1/models HTTP/1.1\r\nHost: x\r\nx-pad: ${'p'.repeat(20_000)}\r\n\r\n`, 431]
  ] as const) {
    const answer = await rawExchange(Number(port), raw)
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    assert.match(head, new RegExp(`^HTTP/1.1 ${status} `))
    assert.match(head, /content-type: application\/json/)
    const json = JSON.parse(body) as { type: string; error: { type: string; message: string } }
    assert.equal(json.type, 'error')
    assert.equal(json.error.type, 'invalid_request_error')
  }
  const res = await send('/v1/messages', JSON.stringify(VALID))
  assert.equal(res.status, 200, 'and the gateway serves on')
})

async function rawExchange (port: number, raw: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.write(raw) })
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { answer += chunk })
    socket.on('close', () => { resolve(answer) })
    socket.on('error', reject)
    socket.setTimeout(5000, () => { socket.destroy(new Error('no answer within 5 s')) })
  })
}

test('an unreachable upstream → 502 api_error, retryable, logged with the id the client got', async () => {
  const port = await closedPort()
  const log = lineCollector()
  const broken = await startGateway({ upstreamUrl: `http://127.0.0.1:${port}`, deps: { logger: { level: 'warn', stream: log.stream } } })
  try {
    const res = await request(`${broken.url}/v1/messages`, { method: 'POST', body: JSON.stringify(VALID), headers: HEADERS })
    const json = await res.body.json() as { error: { type: string }; request_id: string }
    assert.equal(res.statusCode, 502)
    assert.equal(json.error.type, 'api_error')
    assert.match(json.request_id, /^gw_/)
    assert.equal(res.headers['x-should-retry'], undefined)
    const failed = log.lines.filter((line) => line.msg === 'request failed')
    assert.deepEqual(failed.map((line) => line.reqId), [json.request_id])
  } finally {
    await broken.close()
  }
})

test('each failed upstream connect logs one line with its cause, no stack', async () => {
  const port = await closedPort()
  const log = lineCollector()
  const broken = await startGateway({ upstreamUrl: `http://127.0.0.1:${port}`, deps: { logger: { level: 'info', stream: log.stream } } })
  try {
    for (let i = 0; i < 3; i++) {
      const res = await request(`${broken.url}/v1/messages`, { method: 'POST', body: JSON.stringify(VALID), headers: HEADERS })
      assert.equal(res.statusCode, 502)
      await res.body.dump()
    }
    const perRequest = log.lines.filter((line) => line.reqId !== undefined)
    assert.equal(perRequest.length, 3, JSON.stringify(log.lines))
    for (const line of perRequest) {
      assert.equal(line.msg, 'request failed')
      assert.equal(line.code, 'TL_ERR_UPSTREAM_CONNECT')
      assert.match(String(line.cause), new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`))
      assert.equal(line.err, undefined, 'no error object, so no stack')
      assert.doesNotMatch(JSON.stringify(line), /\\n\s+at /)
    }
  } finally {
    await broken.close()
  }
})

test('an upstream that never answers → 504 api_error after headers_timeout', async () => {
  const res = await request(`${gw.url}/v1/messages`, { method: 'POST', body: JSON.stringify(VALID), headers: { ...HEADERS, 'x-sim-hang': 'headers' } })
  const json = await res.body.json() as { error: { type: string } }
  assert.equal(res.statusCode, 504)
  assert.equal(json.error.type, 'api_error')
})

test('an upstream that breaks off mid-answer → 502 api_error, never a half body, and the gateway serves on', async () => {
  // Headers and half the JSON, then the socket dies: the answer is read whole before any of it is
  // sent, so the client gets a clean error it can retry instead of a truncated 200.
  const upstream = createHttpServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' })
      res.write('{"id":"msg_1","type":"message","content":[{"type":"text","text":"half')
      setTimeout(() => res.socket?.destroy(), 20)
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const address = upstream.address()
  const broken = await startGateway({ upstreamUrl: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` })
  try {
    for (let i = 0; i < 2; i++) {
      const res = await request(`${broken.url}/v1/messages`, { method: 'POST', body: JSON.stringify(VALID), headers: HEADERS })
      const json = await res.body.json() as { type: string; error: { type: string; message: string } }
      assert.equal(res.statusCode, 502)
      assert.deepEqual([json.type, json.error.type, json.error.message], ['error', 'api_error', 'The upstream connection was lost mid-answer.'])
      assert.equal(res.headers['x-should-retry'], undefined)
    }
    assert.equal(broken.outcomes.at(-1)?.status, 502, 'the status the client got is what the metrics see (not the upstream\'s 200)')
    assert.notEqual(broken.outcomes.at(-1)?.upstreamErrorType ?? null, null)
    // The buffered routes (models, batches, count_tokens) read their answers the same way.
    const models = await request(`${broken.url}/v1/models`, { headers: HEADERS })
    const json = await models.body.json() as { error: { type: string; message: string } }
    assert.deepEqual([models.statusCode, json.error.type, json.error.message], [502, 'api_error', 'The upstream connection was lost mid-answer.'])
  } finally {
    await broken.close()
    await new Promise((resolve) => upstream.close(resolve))
  }
})

async function closedPort (): Promise<number> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

test('an upstream that does not speak HTTP properly → 502 api_error for JSON and streams alike, counted as a protocol error, and the gateway serves on', async () => {
  // What a broken proxy between the gateway and the API might send, chosen per request.
  const answers: Record<string, string> = {
    'bad-header-byte': 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-odd: a\x7fb\r\ncontent-length: 2\r\n\r\n{}',
    'huge-header': `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-big: ${'b'.repeat(20_000)}\r\ncontent-length: 2\r\n\r\n{}`,
    'no-status-line': 'SPEAK FRIEND AND ENTER\r\n\r\n'
  }
  const upstream = createServer((socket) => {
    let head = ''
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1')
      const kind = /x-case: (\S+)/i.exec(head)?.[1]
      if (kind !== undefined && head.includes('\r\n\r\n')) socket.end(answers[kind] ?? '')
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const address = upstream.address()
  // Six failures in a row would open the model's circuit breaker (529 without a call): this test
  // is about how each broken answer is mapped, so the breaker stays out of the way.
  const broken = await startGateway({ upstreamUrl: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, policyYaml: 'upstream: { circuit_breaker: { enabled: false } }' })
  try {
    for (const kind of Object.keys(answers)) {
      for (const stream of [false, true]) {
        const res = await request(`${broken.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ ...VALID, stream }), headers: { ...HEADERS, 'x-case': kind }, headersTimeout: 5000, bodyTimeout: 5000 })
        const json = await res.body.json() as { type: string; error: { type: string; message: string } }
        assert.equal(res.statusCode, 502, `${kind} stream=${String(stream)}`)
        assert.deepEqual([json.type, json.error.type, json.error.message], ['error', 'api_error', 'The upstream API sent an invalid response.'])
        assert.equal(broken.outcomes.at(-1)?.upstreamErrorType, 'protocol_error')
      }
    }
    assert.match(await broken.scrape(), /^llm_gateway_upstream_errors_total\{[^}]*error_type="protocol_error"[^}]*\} 6$/m)
  } finally {
    await broken.close()
    await new Promise((resolve) => upstream.close(resolve))
  }
})
