import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { PassThrough } from 'node:stream'
import { request } from 'undici'
import { relaySse } from '../../../src/server/relay-sse.js'
import type { RelayEnd } from '../../../src/server/relay-sse.js'

test('a side parser that throws (our limit, e.g. a string too long) stops parsing, never the relay: no false "upstream connection lost"', async (t) => {
  const events = Array.from({ length: 50 }, (_, i) => `event: content_block_delta\ndata: {"i":${i}}\n\n`)
  let relayEnd: RelayEnd | null = null
  const sideErrors: unknown[] = []
  let calls = 0
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const body = new PassThrough()
    void relaySse(res, body, () => {
      calls++
      throw new RangeError('Invalid string length')
    }, () => false, (err) => sideErrors.push(err)).then((end) => { relayEnd = end })
    let i = 0
    const timer = setInterval(() => {
      if (i < events.length) body.write(events[i++])
      else { clearInterval(timer); body.end() }
    }, 1)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const res = await request(`http://127.0.0.1:${port}/`)
  const text = await res.body.text()
  assert.equal(text, events.join(''), 'every byte relayed, nothing appended')
  assert.equal(relayEnd, 'ended')
  assert.equal(calls, 1, 'not called again after it threw')
  assert.equal(sideErrors.length, 1)
})
