// Gateway-key authentication is decided from the headers, before the body is read: a caller
// without a valid key gets its 401 at once, whatever body it declares, never gets `100 Continue`,
// and holds none of the body budget. Over raw sockets against a real gateway (gateway_keys mode),
// with the official SDK for the valid-key path.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { sha256Hex } from '../../src/credential-digest.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { parseResponses, rawExchange, requestHead } from '../helpers/raw-http.js'
import { sumSamples } from '../helpers/metric-sample.js'

const KEY = 'tlk-valid-key-of-research'
const POLICY = `
auth: { mode: gateway_keys }
tenants:
  - name: research
    auth: gateway_keys
    keys:
      - { id: research-main, sha256: ${sha256Hex(KEY)} }
`
const ENV = { ANTHROPIC_API_KEY: 'sk-ant-gateway-default' }
const HELLO = { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user' as const, content: 'hello' }] }
/** Room for one body just under it, and nothing else. */
const BUDGET = 64 * 1024

let sim: Simulator
let gw: StartedGateway
let small: StartedGateway

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, tenancy: 'memory', env: ENV })
  small = await startGateway({ upstreamUrl: sim.url, policyYaml: POLICY, tenancy: 'memory', env: ENV, deps: { bodyBudgetBytes: BUDGET } })
})
after(async () => {
  await gw.close()
  await small.close()
  await sim.close()
})

interface Answer { status: number; headers: Record<string, string>; body: string }

/**
 * Sends a request head and the first bytes of its body, then nothing more: the socket stays open.
 * `answer` resolves with the first final response (or rejects after `timeoutMs`, far below the
 * gateway's 300 s request timeout: a gateway that waited for the body would not answer in time);
 * `closed` when the gateway closes.
 */
function stalledUpload (url: string, head: string, firstBytes: string, timeoutMs = 10_000): { socket: Socket, answer: Promise<Answer>, closed: Promise<void> } {
  const { port, hostname } = new URL(url)
  const socket = connect(Number(port), hostname)
  let text = ''
  const closed = new Promise<void>((resolve) => { socket.on('close', () => { resolve() }) })
  const answer = new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no answer within ${timeoutMs} ms; received: ${text.slice(0, 200)}`)) }, timeoutMs)
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
      const { statuses, headers, body } = parseResponses(text, 'closed')
      const status = statuses.find((code) => code >= 200)
      // Its head is whole once content-length was read (every answer here has one), its body once that long.
      if (status === undefined || headers['content-length'] === undefined || Buffer.byteLength(body) < Number(headers['content-length'])) return
      clearTimeout(timer)
      resolve({ status, headers, body })
    })
    socket.on('close', () => { clearTimeout(timer); reject(new Error(`closed without an answer; received: ${text.slice(0, 200)}`)) })
  })
  answer.catch(() => {})
  socket.write(head)
  socket.write(firstBytes)
  return { socket, answer, closed }
}

function assertUnauthorized (answer: Answer, message: RegExp): void {
  assert.equal(answer.status, 401, answer.body)
  const body = JSON.parse(answer.body) as { type: string; error: { type: string; message: string } }
  assert.deepEqual([body.type, body.error.type], ['error', 'authentication_error'])
  assert.match(body.error.message, message)
  assert.match(answer.headers['x-gateway-request-id'] ?? '', /^gw_/)
}

const WRONG: Array<{ name: string; headers: Record<string, string>; message: RegExp }> = [
  { name: 'an unknown gateway key', headers: { 'x-api-key': 'tlk-nobody' }, message: /^Invalid gateway key\.$/ },
  { name: 'a credential that is not a gateway key', headers: { authorization: 'Bearer sk-ant-personal' }, message: /accepts only its own keys/ },
  { name: 'no credential', headers: {}, message: /gateway-issued key is required/ }
]

for (const wrong of WRONG) {
  test(`${wrong.name} with a declared 20 MB body: 401 at once, without waiting for the body`, async () => {
    sim.reset()
    const upload = stalledUpload(gw.url, requestHead('POST', '/v1/messages', {
      'content-type': 'application/json',
      'content-length': 20_000_000,
      'anthropic-version': '2023-06-01',
      ...wrong.headers
    }), '{"model":"claude-')
    try {
      const answer = await upload.answer
      assertUnauthorized(answer, wrong.message)
      assert.equal(sim.requests.length, 0)
    } finally {
      upload.socket.destroy()
    }
  })
}

const CLOSING_UPLOADS: Array<{ name: string; path: string; headers: Record<string, string | number>; firstBytes: string }> = [
  {
    name: 'a body the gateway would not wait for (past the drain limit, batch creation)',
    path: '/v1/messages/batches',
    headers: { 'content-type': 'application/json', 'content-length': 200_000_000 },
    firstBytes: '{"requests":['
  },
  {
    name: 'a chunked body (length unknown)',
    path: '/v1/files',
    headers: { 'content-type': 'multipart/form-data; boundary=b', 'transfer-encoding': 'chunked' },
    firstBytes: '5\r\n--b\r\n\r\n'
  }
]

for (const upload of CLOSING_UPLOADS) {
  test(`${upload.name} with a wrong key: 401 at once and the connection closed`, async () => {
    const stalled = stalledUpload(gw.url, requestHead('POST', upload.path, { ...upload.headers, 'x-api-key': 'tlk-nobody', 'anthropic-version': '2023-06-01' }), upload.firstBytes)
    try {
      const answer = await stalled.answer
      assertUnauthorized(answer, /Invalid gateway key/)
      assert.equal(answer.headers.connection, 'close')
      await stalled.closed
    } finally {
      stalled.socket.destroy()
    }
  })
}

test('a refused body within the drain limit is discarded, not buffered: the connection then serves the next request', async () => {
  sim.reset()
  const body = JSON.stringify(HELLO)
  const { port, hostname } = new URL(gw.url)
  const socket = connect(Number(port), hostname)
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
  const closed = new Promise<void>((resolve) => { socket.on('close', () => { resolve() }) })
  const padded = body.padEnd(300_000, ' ')
  socket.write(requestHead('POST', '/v1/messages', { 'content-type': 'application/json', 'content-length': padded.length, 'x-api-key': 'tlk-nobody', 'anthropic-version': '2023-06-01' }))
  socket.write(padded)
  socket.write(requestHead('POST', '/v1/messages', { 'content-type': 'application/json', 'content-length': body.length, 'x-api-key': KEY, 'anthropic-version': '2023-06-01', connection: 'close' }) + body)
  await closed
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]))
  assert.deepEqual(statuses, [401, 200], text.slice(0, 600))
  assert.equal(sim.requests.length, 1)
})

const ROUTES = [
  { name: 'messages', path: '/v1/messages', contentType: 'application/json' },
  { name: 'batch creation', path: '/v1/messages/batches', contentType: 'application/json' },
  { name: 'count_tokens', path: '/v1/messages/count_tokens', contentType: 'application/json' },
  { name: 'a streamed passthrough upload (files)', path: '/v1/files', contentType: 'multipart/form-data; boundary=b' }
]

for (const route of ROUTES) {
  test(`Expect: 100-continue with a wrong key on ${route.name}: 401, no 100, connection closed`, async () => {
    sim.reset()
    const res = await rawExchange(gw.url, requestHead('POST', route.path, {
      'content-type': route.contentType,
      'content-length': 5000,
      'x-api-key': 'tlk-nobody',
      'anthropic-version': '2023-06-01',
      expect: '100-continue'
    }), { body: 'x'.repeat(5000), waitForContinue: true, timeoutMs: 3000 })
    assert.deepEqual(res.statuses, [401], res.text.slice(0, 600))
    assert.doesNotMatch(res.text, /HTTP\/1\.1 100/)
    assert.equal(res.end, 'closed')
    assert.equal(res.headers.connection, 'close')
    const body = JSON.parse(res.body) as { error: { type: string; message: string } }
    assert.deepEqual([body.error.type, body.error.message], ['authentication_error', 'Invalid gateway key.'])
    assert.equal(sim.requests.length, 0)
  })
}

test('Expect: 100-continue with the valid key: 100, then the answer', async () => {
  sim.reset()
  const body = JSON.stringify(HELLO)
  const res = await rawExchange(gw.url, requestHead('POST', '/v1/messages', {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-api-key': KEY,
    'anthropic-version': '2023-06-01',
    expect: '100-continue',
    connection: 'close'
  }), { body, waitForContinue: true })
  assert.deepEqual(res.statuses, [100, 200], res.text.slice(0, 600))
  assert.equal(res.headers['x-gateway-tenant'], 'research')
  assert.equal(sim.requests.at(-1)?.headers['x-api-key'], 'sk-ant-gateway-default')
})

test('the valid key works end to end with the SDK, streamed and not', async () => {
  sim.reset()
  const client = new Anthropic({ baseURL: gw.url, apiKey: KEY, maxRetries: 0 })
  const message = await client.messages.create(HELLO)
  assert.equal(message.type, 'message')
  const stream = client.messages.stream(HELLO)
  let text = ''
  stream.on('text', (delta) => { text += delta })
  const final = await stream.finalMessage()
  assert.equal(final.type, 'message')
  assert.ok(text.length > 0)
  assert.equal(sim.requests.length, 2)
  // The client's key never goes upstream: the gateway's does, in the client's header style.
  for (const seen of sim.requests) assert.match(`${seen.headers['x-api-key'] ?? ''} ${seen.headers.authorization ?? ''}`, /sk-ant-gateway-default/)
  assert.doesNotMatch(JSON.stringify(sim.requests.map((seen) => seen.headers)), /tlk-/)
  const wrong = new Anthropic({ baseURL: gw.url, apiKey: 'tlk-nobody', maxRetries: 0 })
  await assert.rejects(wrong.messages.create(HELLO), Anthropic.AuthenticationError)
})

test('unauthenticated uploads hold none of the body budget: a keyed request fits beside many of them', async () => {
  sim.reset()
  // Each declares a body that alone nearly fills the budget: had any been admitted to the body
  // reader, the keyed request below would not fit (503 overloaded_error).
  const uploads = Array.from({ length: 8 }, () => stalledUpload(small.url, requestHead('POST', '/v1/messages', {
    'content-type': 'application/json',
    'content-length': BUDGET - 100,
    'x-api-key': 'tlk-nobody',
    'anthropic-version': '2023-06-01'
  }), '{"model":"claude-'))
  try {
    const answers = await Promise.all(uploads.map(async (upload) => await upload.answer))
    for (const answer of answers) assertUnauthorized(answer, /Invalid gateway key/)
    // Their sockets are still open, the rest of their bodies still owed.
    const client = new Anthropic({ baseURL: small.url, apiKey: KEY, maxRetries: 0 })
    const message = await client.messages.create({ ...HELLO, messages: [{ role: 'user', content: 'hello '.repeat(40) }] })
    assert.equal(message.type, 'message')
    assert.equal(sim.requests.length, 1)
    assert.equal(sumSamples(await small.scrape(), 'llm_gateway_auth_failures_total', { tenant: 'none', reason: 'unknown_key' }), 8)
  } finally {
    for (const upload of uploads) upload.socket.destroy()
  }
})
