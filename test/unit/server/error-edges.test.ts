import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { request } from 'undici'
import { createServer, connect } from 'node:net'
import { answerClientError, failHijacked, registerErrorHandler } from '../../../src/server/error-handler.js'
import { MAX_HEADER_TEXT, headerText } from '../../../src/server/gateway-headers.js'

const HEADER_TEXT: Array<[string, string]> = [
  ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
  ['claude-sonnet-4-5[1m]', 'claude-sonnet-4-5[1m]'],
  ['a b', 'a b'],
  ['claude\r\nx-injected: 1', 'claude%0D%0Ax-injected%3A%201'],
  ['tab\there', 'tab%09here'],
  ['claudé', 'claud%C3%A9'],
  ['claude-😀', 'claude-%F0%9F%98%80'],
  ['lone \ud800 surrogate', 'lone%20%EF%BF%BD%20surrogate'],
  ['c'.repeat(MAX_HEADER_TEXT), 'c'.repeat(MAX_HEADER_TEXT)],
  ['c'.repeat(MAX_HEADER_TEXT + 1), 'c'.repeat(MAX_HEADER_TEXT - 3) + '...']
]

for (const [value, expected] of HEADER_TEXT) {
  test(`headerText(${JSON.stringify(value.slice(0, 24))}) → ${JSON.stringify(expected.slice(0, 32))}`, () => {
    assert.equal(headerText(value), expected)
    assert.match(headerText(value), /^[\x20-\x7e]*$/)
  })
}

/** A Fastify app whose routes take their reply over and then fail, as the gateway's routes could. */
async function appWithHijackingRoutes (): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false })
  registerErrorHandler(app)
  app.get('/before-headers', async (req, reply) => {
    try {
      reply.hijack()
      // Once a header was set on the response, a writeHead that throws leaves the headers it set
      // before the bad one behind: here the answer's length, which would cut the error body short.
      reply.raw.setHeader('x-early', '1')
      reply.raw.writeHead(200, { 'content-length': '5', 'x-bad': 'a\nb' })
    } catch (err) {
      failHijacked(req, reply, err)
    }
  })
  app.get('/mid-body', async (req, reply) => {
    try {
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' })
      reply.raw.write('event: ping\ndata: {}\n\n')
      throw new Error('a bug half way through a stream')
    } catch (err) {
      failHijacked(req, reply, err)
    }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, close: async () => { await app.close() } }
}

test('an error after the reply was taken over, before its headers left, is answered: 500 in Anthropic\'s shape, none of the failed answer\'s headers', async (t) => {
  const app = await appWithHijackingRoutes()
  t.after(app.close)
  const res = await request(`${app.url}/before-headers`, { headersTimeout: 3000, bodyTimeout: 3000 })
  const text = await res.body.text()
  assert.equal(res.statusCode, 500)
  // A stray length of 5 would have cut the envelope short.
  const json = JSON.parse(text) as { type: string; error: { type: string } }
  assert.deepEqual([json.type, json.error.type], ['error', 'api_error'])
  assert.equal(res.headers['x-early'], undefined)
})

test('an error after the headers left cuts the connection: the client sees a broken answer, not an endless one', async (t) => {
  const app = await appWithHijackingRoutes()
  t.after(app.close)
  // Cut while its first bytes may still be in flight: the request or its body fails, either way at once.
  const error = await request(`${app.url}/mid-body`, { headersTimeout: 3000, bodyTimeout: 3000 })
    .then(async (res) => { await res.body.text(); return null })
    .catch((err: Error & { code?: string }) => err)
  assert.notEqual(error, null, 'the answer must not look complete')
  assert.equal(error?.code, 'UND_ERR_SOCKET')
})

/** What a client reads when the server side of its connection meets the parser error `code`. */
async function clientErrorAnswer (code: string): Promise<string> {
  const server = createServer((socket) => {
    answerClientError(Object.assign(new Error(code), { code }), socket)
    // Node itself ends a connection whose client reset it; the handler leaves it alone.
    setImmediate(() => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  try {
    return await new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      let answer = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => { answer += chunk })
      socket.on('close', () => { resolve(answer) })
      socket.on('error', reject)
    })
  } finally {
    server.close()
  }
}

const CLIENT_ERRORS: Array<[string, number | null, boolean]> = [
  ['HPE_INVALID_METHOD', 400, false],
  ['HPE_HEADER_OVERFLOW', 431, false],
  // Too slow to arrive: the SDKs may retry it.
  ['ERR_HTTP_REQUEST_TIMEOUT', 408, true],
  // The client is gone: nothing to write.
  ['ECONNRESET', null, false]
]

for (const [code, status, retryable] of CLIENT_ERRORS) {
  test(`a parser error ${code} → ${status ?? 'no answer'}`, async () => {
    const answer = await clientErrorAnswer(code)
    if (status === null) return assert.equal(answer, '')
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    assert.match(head, new RegExp(`^HTTP/1.1 ${status} `))
    assert.equal(/x-should-retry: false/.test(head), !retryable)
    assert.deepEqual((JSON.parse(body) as { error: { type: string } }).error.type, 'invalid_request_error')
  })
}

test('a request timeout while an answer is already under way cuts the connection instead of writing a second status line', async () => {
  const server = createServer((socket) => {
    socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n')
    Object.assign(socket, { _httpMessage: { headersSent: true } })
    answerClientError(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  try {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      let text = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => { text += chunk })
      socket.on('close', () => resolve(text))
      socket.on('error', () => resolve(text))
    })
    assert.equal(answer.match(/HTTP\/1\.1/g)?.length, 1)
    assert.doesNotMatch(answer, /408/)
  } finally {
    server.close()
  }
})
