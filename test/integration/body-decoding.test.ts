// The request body is decoded chunk by chunk as it arrives: a multi-byte character split between
// two TCP segments must reach the upstream whole, in a Messages body and in a batch.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'
import { rawExchange, requestHead } from '../helpers/raw-http.js'

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

/** Sends the body in two writes, cut inside a multi-byte character, with a pause between them; returns the final status. */
async function sendSplit (path: string, body: string): Promise<number | undefined> {
  const bytes = Buffer.from(body)
  const cut = Buffer.byteLength(body.slice(0, body.indexOf('✓', 5000))) + 1
  const head = requestHead('POST', path, { 'content-type': 'application/json', 'content-length': bytes.length, 'x-api-key': 'k', 'anthropic-version': '2023-06-01', connection: 'close' })
  const res = await rawExchange(gw.url, head, {
    onSocket: (socket) => {
      socket.write(bytes.subarray(0, cut))
      setTimeout(() => socket.write(bytes.subarray(cut)), 50)
    }
  })
  return res.statuses.at(-1)
}

test('a character split between two segments reaches the upstream whole: Messages', async () => {
  sim.reset()
  assert.equal(await sendSplit('/v1/messages', JSON.stringify(params)), 200)
  const sent = JSON.parse(sim.requests.at(-1)?.body ?? '{}') as { messages: Array<{ content: string }> }
  assert.equal(sent.messages[0]?.content, TEXT)
})

test('a character split between two segments reaches the upstream whole: batch creation', async () => {
  sim.reset()
  assert.equal(await sendSplit('/v1/messages/batches', JSON.stringify({ requests: [{ custom_id: 'a', params }] })), 200)
  const sent = JSON.parse(sim.requests.at(-1)?.body ?? '{}') as { requests: Array<{ params: { messages: Array<{ content: string }> } }> }
  assert.equal(sent.requests[0]?.params.messages[0]?.content, TEXT)
})
