// The upstream simulator: a real HTTP server speaking the Anthropic Messages API surface, used by
// our tests, the demo and the benchmark, and by users to load-test a policy without spending money.
// Plain node:http for speed, nothing logged per request. Behaviour is injected per request with
// x-sim-* headers (see behaviour.ts and README.md) or per model with setModelBehaviour.

import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import type { Behaviour } from './behaviour.js'
import { behaviourOf } from './behaviour.js'
import { createBatches } from './batches.js'
import { createFiles } from './files.js'
import { idSequence } from './ids.js'
import { answerMessages, invalidMessagesBody } from './messages.js'
import { answerModels } from './models.js'
import { cachedRateLimitHeaders } from './rate-limit-headers.js'
import { sendError, sendJson } from './send.js'
import type { MessagesRequest } from '../types/anthropic.js'

export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  rawHeaders: string[]
  /** The body as text; file uploads are recorded as `<N bytes>`. */
  body: string
  receivedAtMs: number
}

export interface Simulator {
  url: string
  port: number
  /** Every request received, in order (empty when created with `record: false`). */
  requests: RecordedRequest[]
  /** Clears the recorded requests and the per-model behaviours. */
  reset (): void
  /** Makes every request for `model` behave so (wins over x-sim-* headers); null restores it. */
  setModelBehaviour (model: string, behaviour: Partial<Behaviour> | null): void
  openConnections (): number
  /** Requests whose client went away before the response finished. */
  abortedRequests (): number
  waitForAborted (n: number, timeoutMs: number): Promise<void>
  /** Stops listening, destroys every socket and cuts pending delays short. */
  close (): Promise<void>
}

export interface SimulatorOptions {
  port?: number
  host?: string
  /** Keep a record of every request (default true); off for load tests so memory stays flat. */
  record?: boolean
  /** Model ids listed by GET /v1/models on top of the built-in ones (a model newer than a catalog). */
  extraModels?: readonly string[]
}

export async function createSimulator (options: SimulatorOptions = {}): Promise<Simulator> {
  const requests: RecordedRequest[] = []
  const modelBehaviours = new Map<string, Partial<Behaviour>>()
  const sockets = new Set<Socket>()
  const pendingDelays = new Set<() => void>()
  const abortWaiters = new Set<() => void>()
  let aborted = 0
  const record = options.record ?? true
  const host = options.host ?? '127.0.0.1'
  const newId = idSequence(randomBytes(9).toString('base64').replace(/[^A-Za-z0-9]/g, 'Q'))
  let baseUrl = ''
  const handleBatches = createBatches({ baseUrl: () => baseUrl, newId, modelBehaviour: (model) => modelBehaviours.get(model) })
  const files = createFiles(newId)
  const rateLimitHeaders = cachedRateLimitHeaders()

  function delay (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(timer); pendingDelays.delete(done); resolve() }
      const timer = setTimeout(done, ms)
      pendingDelays.add(done)
    })
  }

  function remember (req: IncomingMessage, url: string, body: Buffer | string, receivedAtMs: number): void {
    if (record) requests.push({ method: req.method ?? 'GET', url, headers: req.headers, rawHeaders: req.rawHeaders, body: body.toString(), receivedAtMs })
  }

  async function route (req: IncomingMessage, res: ServerResponse, path: string, query: string, body: Buffer, requestId: string): Promise<void> {
    const method = req.method ?? 'GET'
    const countTokens = path === '/v1/messages/count_tokens'
    if (method === 'POST' && (path === '/v1/messages' || countTokens)) {
      let parsed: unknown
      try { parsed = JSON.parse(body.toString('utf8')) } catch { parsed = undefined }
      const invalid = invalidMessagesBody(parsed, countTokens)
      if (invalid !== null) return sendError(res, 400, requestId, invalid)
      const request = parsed as MessagesRequest
      const behaviour = behaviourOf(req.headers, modelBehaviours.get(request.model))
      if (typeof behaviour === 'string') return sendError(res, 400, requestId, behaviour)
      return await answerMessages(res, request, behaviour, { requestId, newId, delay, countTokens })
    }
    if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      const answer = answerModels(path, new URLSearchParams(query), options.extraModels)
      return 'json' in answer ? sendJson(res, answer.status, answer.json) : sendError(res, 404, requestId, answer.message)
    }
    if (path === '/v1/messages/batches' || path.startsWith('/v1/messages/batches/')) return handleBatches(req, res, path, new URLSearchParams(query), body, requestId)
    if (path === '/v1/files' || path.startsWith('/v1/files/')) return files.handle(req, res, path, new URLSearchParams(query), requestId)
    sendError(res, 404, requestId)
  }

  function onRequest (req: IncomingMessage, res: ServerResponse): void {
    const receivedAtMs = Date.now()
    res.once('close', () => {
      if (res.writableFinished) return
      aborted++
      for (const wake of abortWaiters) wake()
    })
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const query = q === -1 ? '' : url.slice(q + 1)
    const requestId = newId('req_sim_')
    res.setHeader('request-id', requestId)
    if (path.startsWith('/v1/messages')) for (const [name, value] of rateLimitHeaders(receivedAtMs)) res.setHeader(name, value)
    const fail = (): void => {
      if (!res.headersSent) sendError(res, 500, requestId)
      else res.destroy()
    }
    if (req.method === 'POST' && path === '/v1/files') {
      files.upload(req, requestId).then((answer) => {
        remember(req, url, `<${answer.bytes} bytes>`, receivedAtMs)
        sendJson(res, answer.status, answer.json)
      }, fail)
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
      remember(req, url, body, receivedAtMs)
      route(req, res, path, query, body, requestId).catch(fail)
    })
  }

  const server = createServer(onRequest)
  server.keepAliveTimeout = 30_000
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    url: baseUrl,
    port,
    requests,
    reset () {
      requests.length = 0
      modelBehaviours.clear()
    },
    setModelBehaviour (model, behaviour) {
      if (behaviour === null) modelBehaviours.delete(model)
      else modelBehaviours.set(model, behaviour)
    },
    openConnections: () => sockets.size,
    abortedRequests: () => aborted,
    async waitForAborted (n, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while (aborted < n) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`expected ${n} aborted requests within ${timeoutMs} ms, saw ${aborted}`)
        await new Promise<void>((resolve) => {
          const wake = (): void => { clearTimeout(timer); abortWaiters.delete(wake); resolve() }
          const timer = setTimeout(wake, left)
          abortWaiters.add(wake)
        })
      }
    },
    async close () {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      const socketsClosed = [...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)))
      for (const socket of sockets) socket.destroy()
      for (const cut of [...pendingDelays]) cut()
      await Promise.all([closed, ...socketsClosed])
    }
  }
}
