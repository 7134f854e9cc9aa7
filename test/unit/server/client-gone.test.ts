// ClientGone is handed to undici as a request's `signal`: undici adds its listener with `once`,
// takes it off with `removeListener` when the request ends, and checks `aborted` first.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EventEmitter } from 'node:events'
import { ClientGone } from '../../../src/server/client-gone.js'

test('abort calls each listener still attached, once, however often it is called', () => {
  const gone = new ClientGone()
  const calls: string[] = []
  const removed = (): void => { calls.push('removed') }
  gone.once('abort', () => calls.push('a'))
  gone.on('abort', removed)
  gone.off('abort', removed)
  gone.once('abort', () => calls.push('b'))
  assert.equal(gone.aborted, false)
  gone.abort()
  gone.abort()
  assert.equal(gone.aborted, true)
  gone.once('abort', () => calls.push('late'))
  assert.deepEqual(calls, ['a', 'b'])
})

test('undici aborts a request waiting on it when it fires; one fired after its request ended changes nothing', { timeout: 10_000 }, async () => {
  const server = createServer((req, res) => {
    if (req.url === '/slow') return // never answers: only the abort ends it
    res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    const finished = new ClientGone()
    const answer = await request(`${base}/fast`, { signal: finished as unknown as EventEmitter })
    assert.equal(await answer.body.text(), 'ok')
    finished.abort()
    const gone = new ClientGone()
    const pending = request(`${base}/slow`, { signal: gone as unknown as EventEmitter })
    setTimeout(() => gone.abort(), 50)
    await assert.rejects(pending, { message: 'Request aborted' })
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
