// MAX_CONNECTIONS: past the cap, a new client connection is closed as it arrives (never a file
// descriptor per client without end), counted, and the room comes back when a connection closes.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { runGatewayExpectingFailure, startGatewayProcess } from '../helpers/gateway-process.js'

let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator({ record: false })
  gw = await startGateway({ upstreamUrl: sim.url, deps: { maxConnections: 3 } })
})

after(async () => {
  await gw.close()
  await sim.close()
})

const HEALTH = 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n'

/** A connected socket that records what it receives and whether the gateway closed it. */
interface Client { socket: Socket; received: () => string; closed: Promise<void>; isClosed: () => boolean }

async function open (url: string): Promise<Client> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  let text = ''
  let isClosed = false
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => { isClosed = true; resolve() }))
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return { socket, received: () => text, closed, isClosed: () => isClosed }
}

async function until (check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

/** Sends a keep-alive /healthz request and waits for its answer: the connection is then open and idle. */
async function answered (client: Client): Promise<boolean> {
  const before = client.received().length
  client.socket.write(HEALTH)
  return await until(() => client.received().slice(before).includes('\r\n\r\n') || client.isClosed(), 3000) && !client.isClosed()
}

test('past MAX_CONNECTIONS a new connection is closed unanswered and counted; closing one makes room again', async () => {
  const idle = await Promise.all([open(gw.url), open(gw.url), open(gw.url)])
  for (const client of idle) assert.ok(await answered(client), 'the first three connections are served and kept alive')
  for (const client of idle) assert.match(client.received(), /^HTTP\/1\.1 200 /)

  const fourth = await open(gw.url)
  fourth.socket.write(HEALTH)
  assert.ok(await until(fourth.isClosed, 3000), 'the fourth connection is closed by the gateway')
  assert.equal(fourth.received(), '', 'and gets no answer')
  for (const client of idle) assert.equal(client.isClosed(), false, 'the open ones are untouched')
  assert.match(await gw.scrape(), /^llm_gateway_connections_refused_total 1$/m)

  // One closes: the next connection is served (the gateway sees the close a moment later).
  idle[0]?.socket.destroy()
  let served = false
  for (let attempt = 0; attempt < 20 && !served; attempt++) {
    const next = await open(gw.url)
    served = await answered(next)
    next.socket.destroy()
    if (!served) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.ok(served, 'a new connection is served once one has closed')
  for (const client of idle) client.socket.destroy()
})

test('the process reads MAX_CONNECTIONS: with a cap of 2, some connection among 5 is refused', async () => {
  const child = await startGatewayProcess({ ANTHROPIC_UPSTREAM_URL: sim.url, MAX_CONNECTIONS: '2' })
  const clients: Client[] = []
  try {
    // The start-up health poll may still hold one pooled connection, so count refusals, not places.
    for (let i = 0; i < 5; i++) clients.push(await open(child.url))
    // The gateway accepts and closes them one by one: wait for the last refusal, not the first.
    assert.ok(await until(() => clients.filter((c) => !c.isClosed()).length <= 2, 3000), 'every connection past the cap is closed')
  } finally {
    for (const client of clients) client.socket.destroy()
    await child.stop()
  }
})

for (const value of ['-1', 'abc', '0']) {
  test(`MAX_CONNECTIONS=${value} stops start-up with one line naming it`, async () => {
    const { code, output } = await runGatewayExpectingFailure({ MAX_CONNECTIONS: value })
    assert.equal(code, 1)
    assert.equal(output.trim(), `thriftline: invalid environment: MAX_CONNECTIONS: "${value}" is not a positive integer`)
  })
}
