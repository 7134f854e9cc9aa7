// The request body is decoded chunk by chunk as it arrives: a multi-byte character split between
// two TCP segments must reach the upstream whole, in a Messages body and in a batch.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url })
})

after(async () => {
  await gw.close()
  await sim.close()
})

const TEXT = 'héllo ✓ 𝄞 '.repeat(2000)
const params = { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: TEXT }] }

/** Sends the body in two writes, cut inside the first multi-byte character past `after`, with a pause between them. */
async function sendSplit (path: string, body: string): Promise<string> {
  const bytes = Buffer.from(body)
  let cut = Buffer.from(body.slice(0, body.indexOf('✓', 5000))).length + 1
  if (cut >= bytes.length) cut = bytes.length >> 1
  const { port, hostname } = new URL(gw.url)
  const socket = connect(Number(port), hostname)
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\nconnection: close\r\n\r\n`)
  socket.write(bytes.subarray(0, cut))
  await new Promise((resolve) => setTimeout(resolve, 50))
  socket.write(bytes.subarray(cut))
  await new Promise<void>((resolve) => socket.once('close', resolve))
  return text
}

test('a character split between two segments reaches the upstream whole: Messages', async () => {
  sim.reset()
  const answer = await sendSplit('/v1/messages', JSON.stringify(params))
  assert.match(answer, /^HTTP\/1\.1 200 /)
  const sent = JSON.parse(sim.requests.at(-1)?.body ?? '{}') as { messages: Array<{ content: string }> }
  assert.equal(sent.messages[0]?.content, TEXT)
})

test('a character split between two segments reaches the upstream whole: batch creation', async () => {
  sim.reset()
  const answer = await sendSplit('/v1/messages/batches', JSON.stringify({ requests: [{ custom_id: 'a', params }] }))
  assert.match(answer, /^HTTP\/1\.1 200 /)
  const sent = JSON.parse(sim.requests.at(-1)?.body ?? '{}') as { requests: Array<{ params: { messages: Array<{ content: string }> } }> }
  assert.equal(sent.requests[0]?.params.messages[0]?.content, TEXT)
})
