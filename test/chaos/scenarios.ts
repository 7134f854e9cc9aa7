// The chaos scenarios. Each one drives the gateway child process through one kind of trouble and
// counts into its ScenarioResult: requests the upstream would have served must all succeed;
// everything else must get a proper answer (Anthropic's error shape, in bounded time).

import { connect } from 'node:net'
import { Readable } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { request } from 'undici'
import type { Dispatcher } from 'undici'
import { AnswerLedger, CREDENTIALS, UNRECOGNISED_CREDENTIALS, agent, healthyCall, isErrorShape, loop, sleep, streamMessageId } from './clients.js'
import type { Credential } from './clients.js'
import { FAULT_MODEL, HEALTHY_MODEL, STORM_FALLBACK, STORM_PRIMARY, chaosPolicy } from './harness.js'
import type { Harness } from './harness.js'
import { DEEP_KINDS, malformedCases, seededRng } from './malformed.js'
import type { HttpCase, RawCase } from './malformed.js'
import type { ScenarioResult } from './tally.js'

export interface Scale {
  /** Seconds of background load in the load scenarios. */
  loadSeconds: number
  concurrency: number
  malformed: number
  deep: number
  sigtermStreams: number
  aborts: number
  oversizedCount: number
  /** Batch bodies (the API takes up to 256 MB): the process must not die or balloon. */
  oversizedMiB: number
  /** Messages bodies over the 32 MiB limit: the client must read the 413. */
  oversizedMessagesMiB: number
  slowClients: number
  /** How long a slow-body client may be held before it counts as a bad answer. */
  slowBoundMs: number
}

export const FULL: Scale = { loadSeconds: 8, concurrency: 16, malformed: 10_000, deep: 300, sigtermStreams: 100, aborts: 300, oversizedCount: 6, oversizedMiB: 250, oversizedMessagesMiB: 50, slowClients: 200, slowBoundMs: 15_000 }
export const SHORT: Scale = { loadSeconds: 1.5, concurrency: 4, malformed: 400, deep: 20, sigtermStreams: 100, aborts: 40, oversizedCount: 2, oversizedMiB: 40, oversizedMessagesMiB: 40, slowClients: 20, slowBoundMs: 12_000 }

export interface Context { h: Harness; scale: Scale; ledger: AnswerLedger; result: ScenarioResult; seed: number }
export type Scenario = (ctx: Context) => Promise<void>

const PROMPTS = Array.from({ length: 12 }, (_, i) => `chaos prompt ${i}`)

/** Background traffic the upstream would serve: cacheable, several credentials, JSON and streams. */
async function healthyLoad (ctx: Context, until: () => boolean, options: { model?: string } = {}): Promise<void> {
  const rng = seededRng(ctx.seed)
  await loop(ctx.scale.concurrency, 100_000, until, async () => {
    const credential = CREDENTIALS[Math.floor(rng() * CREDENTIALS.length)] as Credential
    const outcome = await healthyCall({ baseUrl: ctx.h.gateway.url, credential, ledger: ctx.ledger, prompt: PROMPTS[Math.floor(rng() * PROMPTS.length)] as string, stream: rng() < 0.4, model: options.model })
    ctx.result.sent++
    if (outcome === 'ok') ctx.result.served++
    else ctx.result.lost++
  })
}

/** Load for loadSeconds, with `events` run at fractions of it (e.g. kill Redis at ⅓, restart at ⅔). */
async function loadWith (ctx: Context, events: Array<[number, () => Promise<void> | void]>, options: { model?: string } = {}): Promise<void> {
  const endAt = Date.now() + ctx.scale.loadSeconds * 1000
  const load = healthyLoad(ctx, () => Date.now() >= endAt, options)
  const startedAt = Date.now()
  for (const [fraction, event] of events) {
    await sleep(Math.max(0, startedAt + fraction * ctx.scale.loadSeconds * 1000 - Date.now()))
    await event()
  }
  await load
}

async function metrics (ctx: Context): Promise<string> {
  const res = await request(`${ctx.h.gateway.url}/metrics`, { dispatcher: agent })
  return await res.body.text()
}

function metricSum (text: string, name: string, labelFilter: (labels: string) => boolean = () => true): number {
  let sum = 0
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+-]+)$`).exec(line)
    if (match !== null && labelFilter(match[1] ?? '')) sum += Number(match[2])
  }
  return sum
}

/** An error answer that is what it should be: one of `statuses`, in Anthropic's shape. */
async function expectError (ctx: Context, res: Dispatcher.ResponseData, statuses: readonly number[]): Promise<void> {
  const text = await res.body.text().catch(() => '')
  if (statuses.includes(res.statusCode) && isErrorShape(text)) ctx.result.served++
  else {
    ctx.result.bad++
    if (ctx.result.failures.length < 5) ctx.result.failures.push(`expected ${statuses.join('/')} in Anthropic's shape, got ${res.statusCode} ${text.slice(0, 120)}`)
  }
}

const JSON_HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-chaos-faults' }
const ask = (model: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: `fault ${randomUUID()}` }], ...extra })

// ---------------------------------------------------------------------------------------------

export const redisKilled: Scenario = async (ctx) => {
  await loadWith(ctx, [[1 / 3, () => ctx.h.redis.kill()], [2 / 3, () => ctx.h.redis.start()]])
}

export const redisPaused: Scenario = async (ctx) => {
  try {
    await loadWith(ctx, [[1 / 3, () => ctx.h.redis.pause()], [2 / 3, () => ctx.h.redis.resume()]])
  } finally {
    ctx.h.redis.resume()
  }
}

export const upstream529Storm: Scenario = async (ctx) => {
  ctx.h.sim.setModelBehaviour(STORM_PRIMARY, { status: 529, retryAfter: 'none' })
  try {
    // With a fallback: every request must be served (by the fallback), and the breaker must open
    // so the dead primary stops being called.
    await loadWith(ctx, [], { model: 'claude-storm' })
    // Without one: a 529 in Anthropic's shape, at once.
    for (let i = 0; i < 20; i++) {
      ctx.result.sent++
      const res = await request(`${ctx.h.gateway.url}/v1/messages`, { method: 'POST', dispatcher: agent, headers: JSON_HEADERS, body: ask(STORM_PRIMARY) })
      await expectError(ctx, res, [529])
    }
    const text = await metrics(ctx)
    const opened = metricSum(text, 'llm_gateway_circuit_breaker_transitions_total', (l) => l.includes(`model="${STORM_PRIMARY}"`) && l.includes('to="open"'))
    const skipped = metricSum(text, 'llm_gateway_circuit_breaker_short_circuits_total', (l) => l.includes(`model="${STORM_PRIMARY}"`))
    if (opened < 1 || skipped < 1) ctx.result.failures.push(`the breaker for ${STORM_PRIMARY} never opened (opened ${opened}, short-circuits ${skipped})`)
    if (metricSum(text, 'llm_gateway_fallbacks_total', (l) => l.includes(`to="${STORM_FALLBACK}"`)) < 1) ctx.result.failures.push('no fallback was recorded')
  } finally {
    ctx.h.sim.setModelBehaviour(STORM_PRIMARY, null)
  }
}

/** Faulty requests (to their own model) alongside healthy load; each fault must get a proper error. */
function faultScenario (faults: Array<{ headers: Record<string, string>; stream: boolean; statuses: number[] }>): Scenario {
  return async (ctx) => {
    const endAt = Date.now() + ctx.scale.loadSeconds * 1000
    const load = healthyLoad(ctx, () => Date.now() >= endAt)
    const rng = seededRng(ctx.seed + 1)
    await loop(Math.max(2, Math.floor(ctx.scale.concurrency / 2)), 100_000, () => Date.now() >= endAt, async () => {
      const fault = faults[Math.floor(rng() * faults.length)] as (typeof faults)[number]
      ctx.result.sent++
      let res: Dispatcher.ResponseData
      try {
        res = await request(`${ctx.h.gateway.url}/v1/messages`, { method: 'POST', dispatcher: agent, headers: { ...JSON_HEADERS, ...fault.headers }, body: ask(FAULT_MODEL, { stream: fault.stream }) })
      } catch (err) {
        ctx.result.bad++
        ctx.result.failures.push(`no answer: ${(err as Error).message}`)
        return
      }
      if (res.statusCode !== 200) return await expectError(ctx, res, fault.statuses)
      // A stream that began: it must end (cut, or an error event) within the bound, never complete.
      try {
        const text = await res.body.text()
        if (streamMessageId(text) === null) ctx.result.served++
        else { ctx.result.bad++; ctx.result.failures.push('a broken upstream stream was relayed as complete') }
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code === 'UND_ERR_BODY_TIMEOUT') { ctx.result.bad++; ctx.result.failures.push('a broken stream was held open past the bound') } else ctx.result.served++
      }
    })
    await load
  }
}

/** Timeouts answer 504; once the model's breaker is open, 529 without waiting. */
export const hangBeforeHeaders = faultScenario([
  { headers: { 'x-sim-hang': 'headers' }, stream: false, statuses: [504, 529] },
  { headers: { 'x-sim-hang': 'headers' }, stream: true, statuses: [504, 529] }
])

export const hangMidStream = faultScenario([
  { headers: { 'x-sim-hang': 'body' }, stream: true, statuses: [504, 529] },
  { headers: { 'x-sim-hang': 'body' }, stream: false, statuses: [502, 504, 529] }
])

export const resets = faultScenario([
  { headers: { 'x-sim-hang': 'reset' }, stream: false, statuses: [502, 529] },
  { headers: { 'x-sim-hang': 'reset' }, stream: true, statuses: [502, 529] }
])

export const hotReload: Scenario = async (ctx) => {
  let stop = false
  const writes = (async () => {
    for (let i = 1; !stop; i++) {
      // Every 4th write is invalid (the old policy must keep serving); every 7th an empty file.
      ctx.h.writePolicy(i % 7 === 0 ? '' : i % 4 === 0 ? 'routes: [ { name: 1 } ]\n' : chaosPolicy(i))
      await sleep(120)
    }
  })()
  try {
    await loadWith(ctx, [])
  } finally {
    stop = true
    await writes
    ctx.h.writePolicy(chaosPolicy(0))
    await sleep(300)
  }
}

export const sigtermWithStreams: Scenario = async (ctx) => {
  const n = ctx.scale.sigtermStreams
  const gateway = ctx.h.gateway
  const started = await Promise.all(Array.from({ length: n }, async (_, i) => {
    ctx.result.sent++
    const credential = CREDENTIALS[i % CREDENTIALS.length] as Credential
    try {
      const res = await request(`${gateway.url}/v1/messages`, {
        method: 'POST',
        dispatcher: agent,
        headers: { ...JSON_HEADERS, ...credential.headers, 'x-sim-event-delay-ms': '60', 'x-sim-output-tokens': '30' },
        body: ask(HEALTHY_MODEL, { stream: true })
      })
      return { res, credential }
    } catch {
      return null
    }
  }))
  // Every stream has its headers: stop the gateway now; each must still finish.
  gateway.signal('SIGTERM')
  await Promise.all(started.map(async (one) => {
    if (one === null || one.res.statusCode !== 200) { ctx.result.lost++; await one?.res.body.dump(); return }
    const text = await one.res.body.text().catch(() => '')
    const id = streamMessageId(text)
    if (id === null) { ctx.result.lost++; return }
    ctx.ledger.note(id, one.credential.name)
    ctx.result.served++
  }))
  const streamsDoneAt = Date.now()
  const code = await Promise.race([gateway.exited, sleep(25_000).then(() => 'timeout' as const)])
  if (code !== 0) ctx.result.failures.push(`after SIGTERM the gateway ended with ${String(code)}, expected exit 0`)
  // Once its last stream is done, nothing should keep a draining gateway alive (idle keep-alive
  // connections are closed, not waited for until the shutdown deadline).
  const lingerMs = Date.now() - streamsDoneAt
  if (lingerMs > 5_000) ctx.result.failures.push(`the gateway took ${(lingerMs / 1000).toFixed(1)} s to exit after its last stream ended`)
  await ctx.h.restartGateway()
}

export const clientAborts: Scenario = async (ctx) => {
  const rng = seededRng(ctx.seed + 2)
  await loop(ctx.scale.concurrency, ctx.scale.aborts, () => false, async (i) => {
    const controller = new AbortController()
    const stream = rng() < 0.5
    setTimeout(() => controller.abort(), Math.floor(rng() * 400))
    ctx.result.sent++
    const outcome = await healthyCall({
      baseUrl: ctx.h.gateway.url,
      credential: CREDENTIALS[i % CREDENTIALS.length] as Credential,
      ledger: ctx.ledger,
      prompt: `abort ${randomUUID()}`,
      stream,
      headers: stream ? { 'x-sim-event-delay-ms': '30', 'x-sim-output-tokens': '20' } : { 'x-sim-latency-ms': '300' },
      signal: controller.signal
    })
    if (outcome === 'aborted') ctx.result.aborted++
    else if (outcome === 'ok') ctx.result.served++
    else ctx.result.lost++
  })
  // Nothing may be left in flight once every client has gone.
  const deadline = Date.now() + 5_000
  let inflight = Number.NaN
  while (Date.now() < deadline) {
    inflight = metricSum(await metrics(ctx), 'llm_gateway_inflight_requests', (labels) => !labels.includes('metrics'))
    if (inflight === 0) break
    await sleep(200)
  }
  if (inflight !== 0) ctx.result.failures.push(`${inflight} requests still counted in flight after every client aborted`)
  await loadWith({ ...ctx, scale: { ...ctx.scale, loadSeconds: 1 } }, [])
}

export const unrecognisedCredentials: Scenario = async (ctx) => {
  // Identical cacheable requests from credentials the gateway does not recognise: none may be
  // answered with another one's response.
  const everyone = [...UNRECOGNISED_CREDENTIALS, ...CREDENTIALS]
  for (let round = 0; round < 3; round++) {
    for (const credential of everyone) {
      for (const stream of [false, true]) {
        ctx.result.sent++
        const outcome = await healthyCall({ baseUrl: ctx.h.gateway.url, credential, ledger: ctx.ledger, prompt: 'the same question from everyone', stream })
        if (outcome === 'ok') ctx.result.served++
        else ctx.result.lost++
      }
    }
  }
}

async function sendHttpCase (ctx: Context, one: HttpCase): Promise<void> {
  ctx.result.sent++
  let res: Dispatcher.ResponseData
  try {
    res = await request(`${ctx.h.gateway.url}${one.path}`, { method: one.method as Dispatcher.HttpMethod, dispatcher: agent, headers: one.headers, body: one.body })
  } catch (err) {
    ctx.result.bad++
    if (ctx.result.failures.length < 8) ctx.result.failures.push(`${one.kind}: no answer (${(err as { code?: string }).code ?? (err as Error).message})`)
    return
  }
  const text = await res.body.text().catch(() => '')
  if (res.statusCode < 400 && res.statusCode >= 200) { ctx.result.served++; return }
  if (res.statusCode < 500 && (isErrorShape(text) || one.method === 'HEAD')) { ctx.result.served++; return }
  ctx.result.bad++
  if (ctx.result.failures.length < 8) ctx.result.failures.push(`${one.kind} ${one.method} ${one.path.slice(0, 40)}: ${res.statusCode} ${text.slice(0, 100)}`)
}

/** Raw bytes: the gateway must answer something below 500 (or close) within 5 s; 1xx are not answers. */
async function sendRawCase (ctx: Context, one: RawCase): Promise<void> {
  ctx.result.sent++
  const port = Number(new URL(ctx.h.gateway.url).port)
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    const done = (outcome: string): void => { clearTimeout(timer); socket.destroy(); resolve(outcome) }
    const timer = setTimeout(() => done(finalStatus(text) ?? 'held'), 5_000)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      const status = finalStatus(text)
      if (status !== null) done(status)
    })
    socket.on('error', () => {})
    socket.on('close', () => done(finalStatus(text) ?? 'closed'))
    socket.write(one.bytes, () => {})
  })
  if (answer === 'closed' || (/^\d{3}$/.test(answer) && Number(answer) < 500)) { ctx.result.served++; return }
  ctx.result.bad++
  if (ctx.result.failures.length < 8) ctx.result.failures.push(`raw ${one.kind}: ${answer}`)
}

/** The first non-1xx status whose header block is complete, or null. */
function finalStatus (text: string): string | null {
  for (const match of text.matchAll(/HTTP\/1\.[01] (\d{3})[^\r\n]*\r?\n/g)) {
    const status = match[1] as string
    if (status.startsWith('1')) continue
    return text.indexOf('\r\n\r\n', match.index) === -1 ? null : status
  }
  return null
}

export const malformed: Scenario = async (ctx) => {
  const cases = malformedCases(ctx.seed, ctx.scale.malformed, { deep: false })
  await loop(ctx.scale.concurrency, ctx.scale.malformed, () => false, async () => {
    const next = cases.next()
    if (next.done === true) return
    if (next.value.via === 'raw') await sendRawCase(ctx, next.value)
    else await sendHttpCase(ctx, next.value)
  })
  // The gateway still serves.
  await loadWith({ ...ctx, scale: { ...ctx.scale, loadSeconds: 1 } }, [])
}

/** Only the deep-nesting kinds: thousands of levels in content, metadata and tool schemas. */
export const deepJson: Scenario = async (ctx) => {
  const rng = seededRng(ctx.seed + 3)
  await loop(Math.min(4, ctx.scale.concurrency), ctx.scale.deep, () => false, async () => {
    const [kind, make] = DEEP_KINDS[Math.floor(rng() * DEEP_KINDS.length)] as (typeof DEEP_KINDS)[number]
    await sendHttpCase(ctx, { kind, via: 'http', method: 'POST', path: rng() < 0.7 ? '/v1/messages' : '/v1/messages/count_tokens', headers: JSON_HEADERS, body: Buffer.from(make(rng)) })
  })
  await loadWith({ ...ctx, scale: { ...ctx.scale, loadSeconds: 1 } }, [])
}

const HUGE_PREFIX = Buffer.from('{"requests":[{"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":1,"messages":[{"role":"user","content":"')
const HUGE_SUFFIX = Buffer.from('"}]}}]}')

/** A JSON body of exactly `bytes`, generated in 1 MiB chunks (the runner never holds it whole). */
async function * hugeBody (bytes: number): AsyncGenerator<Buffer> {
  yield HUGE_PREFIX
  const chunk = Buffer.alloc(1024 * 1024, 'x')
  for (let left = bytes - HUGE_PREFIX.length - HUGE_SUFFIX.length; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left)
  yield HUGE_SUFFIX
}

export const oversizedBodies: Scenario = async (ctx) => {
  const endAt = Date.now() + 60_000
  let done = false
  const load = healthyLoad({ ...ctx, scale: { ...ctx.scale, concurrency: 2 } }, () => done || Date.now() >= endAt)
  await Promise.all(Array.from({ length: ctx.scale.oversizedCount }, async (_, i) => {
    const batch = i % 2 === 0
    const path = batch ? '/v1/messages/batches' : '/v1/messages'
    const mib = batch ? ctx.scale.oversizedMiB : ctx.scale.oversizedMessagesMiB
    const bytes = mib * 1024 * 1024
    ctx.result.sent++
    try {
      const res = await request(`${ctx.h.gateway.url}${path}`, { method: 'POST', dispatcher: agent, headers: { ...JSON_HEADERS, 'content-length': String(bytes) }, body: Readable.from(hugeBody(bytes)) })
      // A batch may be accepted, refused for now (503 while other bodies are buffered), too big
      // (413), or forwarded to a simulator that takes longer than the chaos policy's 3 s
      // headers_timeout to read 250 MiB (504); a Messages body over the limit is a 413 the client
      // can read. An upload slower than the request timeout is a 408, on a loaded machine.
      if (batch && res.statusCode >= 200 && res.statusCode < 300) { await res.body.dump(); ctx.result.served++ } else await expectError(ctx, res, batch ? [413, 503, 408, 504] : [413, 408])
    } catch (err) {
      // The client must be able to read the answer, not find its upload cut (the SDKs then retry it).
      ctx.result.bad++
      ctx.result.failures.push(`${path}: ${mib} MiB body: no answer (${(err as { code?: string }).code ?? (err as Error).message})`)
    }
  }))
  done = true
  await load
}

export const slowBodies: Scenario = async (ctx) => {
  const port = Number(new URL(ctx.h.gateway.url).port)
  const bound = ctx.scale.slowBoundMs
  const clients = Array.from({ length: ctx.scale.slowClients }, (_, i) => new Promise<'answered' | 'held'>((resolve) => {
    ctx.result.sent++
    const socket = connect(port, '127.0.0.1')
    let answered = false
    let drip: NodeJS.Timeout | undefined
    const finish = (outcome: 'answered' | 'held'): void => { clearInterval(drip); clearTimeout(timer); socket.destroy(); resolve(outcome) }
    const timer = setTimeout(() => finish(answered ? 'answered' : 'held'), bound)
    socket.on('data', () => { answered = true; finish('answered') })
    socket.on('error', () => {})
    socket.on('close', () => finish('answered'))
    socket.write(`POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-api-key: sk-ant-slow\r\ncontent-length: 5000\r\n\r\n{`)
    // Half of them trickle a byte a second; the others stall after the first byte.
    if (i % 2 === 0) drip = setInterval(() => socket.write(' '), 1000)
  }))
  const endAt = Date.now() + Math.min(bound, ctx.scale.loadSeconds * 1000 + 2000)
  const load = healthyLoad(ctx, () => Date.now() >= endAt)
  const health = await request(`${ctx.h.gateway.url}/healthz`, { dispatcher: agent }).then(async (res) => { await res.body.dump(); return res.statusCode }, () => 0)
  if (health !== 200) ctx.result.failures.push(`/healthz answered ${health} while slow clients were connected`)
  const outcomes = await Promise.all(clients)
  await load
  for (const outcome of outcomes) {
    if (outcome === 'answered') ctx.result.served++
    else ctx.result.bad++
  }
  const held = outcomes.filter((o) => o === 'held').length
  if (held > 0) ctx.result.failures.push(`${held} slow-body clients were still held after ${bound / 1000} s (no request-body timeout)`)
}

export const SCENARIOS: ReadonlyArray<[string, Scenario]> = [
  ['redis-killed', redisKilled],
  ['redis-paused', redisPaused],
  ['upstream-529-storm', upstream529Storm],
  ['hang-before-headers', hangBeforeHeaders],
  ['hang-mid-stream', hangMidStream],
  ['upstream-resets', resets],
  ['hot-reload', hotReload],
  ['client-aborts', clientAborts],
  ['unrecognised-credentials', unrecognisedCredentials],
  ['malformed-requests', malformed],
  ['deep-json', deepJson],
  ['oversized-bodies', oversizedBodies],
  ['slow-bodies', slowBodies],
  ['sigterm-100-streams', sigtermWithStreams]
]
