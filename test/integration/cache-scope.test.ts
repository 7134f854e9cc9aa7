// Issue 16 (items 6 and 7): two requests share a cached answer only when they are the same
// request from the same credential scope. User data named `cache_control` is part of the request,
// and a client without a recognised credential is never served from (or stored into) the cache.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url, policyYaml: 'cache: { mode: all, ttl: 10m }', cache: 'memory' })
})

after(async () => {
  await gw.close()
  await sim.close()
})

let n = 0

async function ask (body: Record<string, unknown>, headers: Record<string, string>): Promise<{ cache: string | undefined; text: string }> {
  const res = await request(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body)
  })
  const text = await res.body.text()
  assert.equal(res.statusCode, 200, text)
  const cache = res.headers['x-gateway-cache']
  return { cache: Array.isArray(cache) ? cache[0] : cache, text }
}

describe('cache_control as user data', () => {
  const withToolInput = (input: Record<string, unknown>, question: string): Record<string, unknown> => ({
    model: 'claude-haiku-4-5',
    max_tokens: 32,
    messages: [
      { role: 'user', content: question },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'set_header', input }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] }
    ],
    tools: [{ name: 'set_header', input_schema: { type: 'object', properties: { cache_control: { type: 'string' } } } }]
  })

  test('two requests differing only in a tool_use input named cache_control get their own answers', async () => {
    const question = `which header? ${++n}`
    const headers = { 'x-api-key': 'sk-alice' }
    const first = await ask(withToolInput({ cache_control: 'no-store' }, question), headers)
    assert.equal(first.cache, 'miss')
    const same = await ask(withToolInput({ cache_control: 'no-store' }, question), headers)
    assert.equal(same.cache, 'hit', 'the very same request is a hit')
    const before = sim.requests.length
    const other = await ask(withToolInput({ cache_control: 'max-age=600' }, question), headers)
    assert.equal(other.cache, 'miss', 'another tool input is another request')
    assert.equal(sim.requests.length, before + 1, 'it went upstream')
  })

  test('a prompt-cache marker on a content block still shares the answer', async () => {
    const question = `marked ${++n}`
    const block = (marker: boolean): Record<string, unknown> => ({
      model: 'claude-haiku-4-5',
      max_tokens: 32,
      messages: [{ role: 'user', content: [{ type: 'text', text: question, ...(marker ? { cache_control: { type: 'ephemeral' } } : {}) }] }]
    })
    assert.equal((await ask(block(true), { 'x-api-key': 'sk-alice' })).cache, 'miss')
    assert.equal((await ask(block(false), { 'x-api-key': 'sk-alice' })).cache, 'hit')
  })
})

describe('credentials the gateway does not recognise', () => {
  const CASES: Array<{ name: string; alice: Record<string, string>; bob: Record<string, string> }> = [
    { name: 'Basic auth', alice: { authorization: 'Basic ' + Buffer.from('alice:pw').toString('base64') }, bob: { authorization: 'Basic ' + Buffer.from('bob:pw').toString('base64') } },
    { name: 'x-goog-api-key', alice: { 'x-goog-api-key': 'alice-key' }, bob: { 'x-goog-api-key': 'bob-key' } },
    { name: 'no credential at all', alice: {}, bob: {} }
  ]
  for (const row of CASES) {
    test(`${row.name}: bob never gets alice's answer; both bypass the cache`, async () => {
      const body = { model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user', content: `private ${++n}` }] }
      const alice = await ask(body, row.alice)
      assert.equal(alice.cache, 'bypass')
      const before = sim.requests.length
      const bob = await ask(body, row.bob)
      assert.equal(bob.cache, 'bypass')
      assert.equal(sim.requests.length, before + 1, "bob's request went upstream")
      const outcome = gw.outcomes.at(-1)
      assert.equal(outcome?.cacheResult, 'bypass')
    })
  }

  test('x-api-key and Authorization: Bearer are recognised and scoped apart', async () => {
    const body = { model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user', content: `scoped ${++n}` }] }
    assert.equal((await ask(body, { 'x-api-key': 'sk-alice' })).cache, 'miss')
    assert.equal((await ask(body, { 'x-api-key': 'sk-alice' })).cache, 'hit')
    assert.equal((await ask(body, { authorization: 'Bearer sk-bob' })).cache, 'miss')
    assert.equal((await ask(body, { authorization: 'Bearer sk-bob' })).cache, 'hit')
  })
})
