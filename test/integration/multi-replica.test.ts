// Issue 18: three gateway processes (src/main.ts) behind a round-robin front behave as one, on a
// single Redis and on a Redis Cluster of three masters with a replica each. The policy file is
// shared the way a Kubernetes ConfigMap volume shares it; the upstream is the simulator, which
// counts calls. Rate limits and budgets across replicas are tested with the tenancy work, not here.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { KEY_PREFIX } from '../../src/cache/key.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import type { GatewayProcess } from '../helpers/gateway-process.js'
import { startRedis } from '../helpers/redis-server.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import type { TestRedisCluster } from '../helpers/redis-cluster.js'
import { BACKEND_HEADER, startRoundRobin } from '../helpers/round-robin.js'
import type { RoundRobinFront } from '../helpers/round-robin.js'
import { createConfigMapDir } from '../helpers/configmap-dir.js'
import type { ConfigMapDir } from '../helpers/configmap-dir.js'

const REPLICAS = 3
const LOCK_WAIT_MS = 3000
// A generous operation_timeout: these tests are about agreement between replicas, not about a slow
// Redis (a timed-out operation fails open to the upstream, which the counts here would see).
const POLICY = `cache: { mode: deterministic, ttl: 10m, lock_wait: ${LOCK_WAIT_MS}ms, operation_timeout: 2s }\n`
const RELOADED = `${POLICY}routes:\n  - name: reloaded-everywhere\n    match: { model: claude-haiku-4-5 }\n    action: { model: claude-opus-4-5 }\n`

interface Topology {
  name: string
  /** The Redis settings for every replica's environment, and how to stop that Redis. */
  start: () => Promise<{ env: Record<string, string>; cluster: TestRedisCluster | null; stop: () => Promise<void> }>
}

const TOPOLOGIES: Topology[] = [
  {
    name: 'one Redis',
    start: async () => {
      const redis = await startRedis()
      return { env: { REDIS_URL: redis.url }, cluster: null, stop: redis.stop }
    }
  },
  {
    name: 'Redis Cluster (3 masters, 3 replicas)',
    start: async () => {
      const cluster = await startRedisCluster()
      return { env: { REDIS_CLUSTER_NODES: cluster.seeds }, cluster, stop: cluster.stop }
    }
  }
]

let n = 0
/**
 * A fresh cacheable request (temperature 0, on API 2023-06-01 which has it), so tests never share
 * entries. The SDK's own types (API 2026-10-21) have no temperature, hence the cast.
 */
const fresh = (): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'claude-haiku-4-5', max_tokens: 64, temperature: 0,
  messages: [{ role: 'user', content: `scale-out question ${++n} ${Date.now()}` }]
} as Anthropic.MessageCreateParamsNonStreaming)
/** A fresh request the cache bypasses (no temperature: not deterministic). */
const uncached = (): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: `scale-out uncached ${++n} ${Date.now()}` }]
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor (done: () => Promise<boolean> | boolean, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await done()) {
    if (Date.now() > deadline) throw new Error(message)
    await sleep(30)
  }
}

async function cacheReady (url: string): Promise<boolean> {
  const res = await fetch(`${url}/readyz`).catch(() => null)
  return res !== null && (await res.json() as { cache: string }).cache === 'ok'
}

/** Sum of one counter series in a replica's /metrics. */
async function counter (url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((candidate) => candidate.startsWith(series + ' '))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}
const STORED = 'llm_gateway_cache_operations_total{operation="set",result="stored"}'

/** Reads an SSE response to its end; `complete` when the stream ended with message_stop. */
async function readStream (res: Response): Promise<{ text: string; complete: boolean }> {
  let text = ''
  try {
    const decoder = new TextDecoder()
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true })
  } catch {
    // The connection ended under us: what a client of a killed replica sees.
  }
  return { text, complete: text.includes('event: message_stop') }
}

/** The text deltas of an SSE body, joined: the answer a client assembled. */
function streamedText (sse: string): string {
  return sse.split('\n').filter((line) => line.startsWith('data: ') && line.includes('text_delta'))
    .map((line) => (JSON.parse(line.slice(6)) as { delta: { text: string } }).delta.text).join('')
}

const HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-shared' }

for (const topology of TOPOLOGIES) {
  describe(`three replicas on ${topology.name}`, () => {
    let sim: Simulator
    let redis: Awaited<ReturnType<Topology['start']>>
    let volume: ConfigMapDir
    let replicas: GatewayProcess[]
    let front: RoundRobinFront
    let client: Anthropic
    const messagesCalls = (): number => sim.requests.filter((r) => r.url.startsWith('/v1/messages')).length
    const callsFor = async (work: () => Promise<unknown>): Promise<number> => {
      const before = messagesCalls()
      await work()
      return messagesCalls() - before
    }
    const direct = (i: number): Anthropic => new Anthropic({ baseURL: replicas[i]!.url, apiKey: 'sk-shared', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })

    before(async () => {
      sim = await createSimulator()
      redis = await topology.start()
      volume = await createConfigMapDir({ 'gateway.yaml': POLICY })
      const env = { ANTHROPIC_UPSTREAM_URL: sim.url, GATEWAY_CONFIG: volume.pathOf('gateway.yaml'), SHUTDOWN_TIMEOUT_MS: '2000', ...redis.env }
      replicas = await Promise.all(Array.from({ length: REPLICAS }, () => startGatewayProcess(env)))
      // Each replica connects to Redis on its own; a request before that is served uncached.
      await waitFor(async () => (await Promise.all(replicas.map((r) => cacheReady(r.url)))).every(Boolean), 'a replica never reached its Redis')
      front = await startRoundRobin(replicas.map((r) => r.url))
      client = new Anthropic({ baseURL: front.url, apiKey: 'sk-shared', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
    })

    after(async () => {
      await front?.close()
      for (const replica of replicas ?? []) replica.child.kill('SIGKILL')
      await Promise.all((replicas ?? []).map((replica) => replica.exited))
      await redis?.stop()
      await volume?.remove()
      await sim?.close()
    })

    test('an entry written through one replica is served by the others', async () => {
      const params = fresh()
      const storedBefore = await counter(replicas[0]!.url, STORED)
      await direct(0).messages.create(params)
      // The store write is fire-and-forget after the answer: let it land before asking the others.
      await waitFor(async () => await counter(replicas[0]!.url, STORED) > storedBefore, 'the entry was never stored')
      for (const i of [1, 2]) {
        assert.equal(await callsFor(async () => {
          const { response } = await direct(i).messages.create(params).withResponse()
          assert.equal(response.headers.get('x-gateway-cache'), 'hit', `replica ${i} missed`)
        }), 0)
      }
    })

    test('9 identical concurrent misses spread over the replicas make one upstream call', async () => {
      const params = fresh()
      const servedBefore = [...front.served]
      let answers: Anthropic.Message[] = []
      const calls = await callsFor(async () => {
        answers = await Promise.all(Array.from({ length: 9 }, () => client.messages.create(params, { headers: { 'x-sim-latency-ms': '300' } })))
      })
      assert.equal(calls, 1)
      assert.deepEqual(front.served.map((count, i) => count - servedBefore[i]!), [3, 3, 3], 'every replica took its share')
      const texts = new Set(answers.map((answer) => JSON.stringify(answer.content)))
      assert.equal(texts.size, 1, 'every client got the same answer')
    })

    test('streams too: 6 concurrent identical streams make one upstream call and every follower gets the whole stream', async () => {
      const params = { ...fresh(), stream: true as const }
      const options = { headers: { 'x-sim-event-delay-ms': '20', 'x-sim-output-tokens': '15' } }
      const results: Array<{ text: string; stop: string | null; cache: string | null }> = []
      const calls = await callsFor(() => Promise.all(Array.from({ length: 6 }, async () => {
        const { data: stream, response } = await client.messages.create(params, options).withResponse()
        let text = ''
        let stop: string | null = null
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text
          if (event.type === 'message_delta') stop = event.delta.stop_reason
        }
        results.push({ text, stop, cache: response.headers.get('x-gateway-cache') })
      })))
      assert.equal(calls, 1)
      assert.equal(results.length, 6)
      assert.ok(results[0]!.text.length > 0)
      for (const result of results) {
        assert.equal(result.text, results[0]!.text, 'a follower got a different or partial stream')
        assert.equal(result.stop, 'end_turn')
      }
      assert.equal(results.filter((result) => result.cache === 'hit').length, 5, 'five followers replayed the leader\'s entry')
    })

    test('a policy change (a ConfigMap update) reaches every replica', async () => {
      await volume.update({ 'gateway.yaml': RELOADED })
      for (let i = 0; i < REPLICAS; i++) {
        await waitFor(async () => {
          const { response } = await direct(i).messages.create(uncached()).withResponse()
          return response.headers.get('x-gateway-rule') === 'reloaded-everywhere'
        }, `replica ${i} never reloaded the policy`)
      }
      await volume.update({ 'gateway.yaml': POLICY })
      for (let i = 0; i < REPLICAS; i++) {
        await waitFor(async () => {
          const { response } = await direct(i).messages.create(uncached()).withResponse()
          return response.headers.get('x-gateway-rule') === null
        }, `replica ${i} never reloaded the second change`)
      }
    })

    if (topology.name.startsWith('Redis Cluster')) {
      test('a Cluster failover (kill the master holding an entry, promote its replica) fails no request; the entry is served again', async () => {
        const cluster = redis.cluster as TestRedisCluster
        const params = fresh()
        const storedBefore = await counter(replicas[0]!.url, STORED)
        await direct(0).messages.create(params)
        await waitFor(async () => await counter(replicas[0]!.url, STORED) > storedBefore, 'the entry was never stored')
        const key = keysOn(cluster).find(Boolean)
        assert.ok(key !== undefined, 'no entry key found on any master')
        const master = cluster.masterOf(key)
        let failures = 0
        let sent = 0
        let running = true
        const traffic = (async () => {
          while (running) {
            sent++
            await client.messages.create(sent % 2 === 0 ? params : fresh()).catch(() => { failures++ })
            await sleep(10)
          }
        })()
        await sleep(200)
        const promoted = await cluster.failover(master)
        assert.equal(cluster.masterOf(key).port, promoted.port)
        // The clients find the new master (a MOVED answer or their periodic slot refresh); until
        // then the entry's lookups fail open to the upstream.
        await waitFor(async () => {
          const answers = await Promise.all(replicas.map(async (_r, i) => (await direct(i).messages.create(params).withResponse()).response.headers.get('x-gateway-cache')))
          return answers.every((answer) => answer === 'hit')
        }, 'the replicas never served the entry from the promoted master', 20_000)
        // Traffic ran through the whole failover; let it go on a little past it too.
        const sentAtRecovery = sent
        await waitFor(() => sent >= sentAtRecovery + 10, 'traffic stalled after the failover')
        running = false
        await traffic
        assert.equal(failures, 0, `${failures} of ${sent} requests failed during the failover`)
      })
    }

    test('a replica killed mid-stream loses only its own in-flight requests; its followers elsewhere still get the answer', async () => {
      const slow = { ...HEADERS, 'x-sim-event-delay-ms': '60', 'x-sim-output-tokens': '60' }
      const body = (params: Anthropic.MessageCreateParamsNonStreaming): string => JSON.stringify({ ...params, stream: true })
      const shared = fresh()
      // Replica 2 leads the shared stream: it is the first to ask upstream.
      const before = messagesCalls()
      const leader = fetch(`${replicas[2]!.url}/v1/messages`, { method: 'POST', headers: slow, body: body(shared) })
      await waitFor(() => messagesCalls() > before, 'the leader never reached the upstream')
      const followers = [0, 1].map((i) => fetch(`${replicas[i]!.url}/v1/messages`, { method: 'POST', headers: slow, body: body(shared) }))
      // And unrelated streams through the front: two land on every replica.
      const others = Array.from({ length: 6 }, () => fetch(`${front.url}/v1/messages`, { method: 'POST', headers: slow, body: body(fresh()) }))
      const started = await Promise.all(others)
      const leaderResponse = await leader
      await sleep(300)
      replicas[2]!.child.kill('SIGKILL')
      await replicas[2]!.exited

      const leaderRead = await readStream(leaderResponse)
      assert.equal(leaderRead.complete, false, 'the killed replica\'s own stream cannot complete')
      for (const response of started) {
        const read = await readStream(response)
        const backend = response.headers.get(BACKEND_HEADER)
        if (backend === '2') assert.equal(read.complete, false)
        else assert.ok(read.complete, `a stream on replica ${backend ?? '?'} was cut by another replica's death`)
      }
      assert.deepEqual(started.map((response) => response.headers.get(BACKEND_HEADER)).filter((b) => b === '2').length, 2)
      // The followers waited for the dead leader's entry up to lock_wait, then asked upstream themselves.
      const followerReads = await Promise.all((await Promise.all(followers)).map(readStream))
      for (const read of followerReads) {
        assert.ok(read.complete, 'a follower of the killed leader did not get a whole stream')
        assert.equal(streamedText(read.text), streamedText(followerReads[0]!.text))
      }
      assert.ok(streamedText(followerReads[0]!.text).length > 0)
      // New traffic through the front goes to the live replicas only.
      for (let i = 0; i < 4; i++) await client.messages.create(uncached())
    })
  })
}

/** Entry keys (not locks) on every live master of the cluster. */
function keysOn (cluster: TestRedisCluster): string[] {
  const keys: string[] = []
  for (const node of cluster.nodes) {
    const result = spawnSync('redis-cli', ['-p', String(node.port), '--scan', '--pattern', `${KEY_PREFIX}*`], { encoding: 'utf8', timeout: 5000 })
    if (result.status === 0) keys.push(...result.stdout.split('\n').filter(Boolean))
  }
  return keys
}
