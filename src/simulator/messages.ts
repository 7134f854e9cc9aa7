// POST /v1/messages and /v1/messages/count_tokens: the real API's validation, injected errors,
// latency and hangs, then JSON or (body `stream: true`) SSE written event by event.

import type { ServerResponse } from 'node:http'
import type { MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { Behaviour } from './behaviour.js'
import { retryAfterFor } from './behaviour.js'
import { OVERLOADED_EVENT } from './errors.js'
import type { NewId } from './ids.js'
import { estimateTokens, planReply, sseEvents, sseFrames } from './reply.js'
import type { PlannedReply } from './reply.js'
import { sendError, sendJson } from './send.js'
import type { SimulatedPromptCache } from './prompt-cache.js'
import { refusedSignature } from './signatures.js'

export type Delay = (ms: number) => Promise<void>

export interface MessagesContext {
  requestId: string
  newId: NewId
  /** A timer that resolves early when the simulator closes. */
  delay: Delay
  countTokens: boolean
  promptCache: SimulatedPromptCache
  /** The caller's API key or bearer token: prompt caches are per credential. */
  credential: string
}

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json' })
const SSE_HEADERS = Object.freeze({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })

/** Why the real API would answer 400, or null when the body is acceptable. */
export function invalidMessagesBody (body: unknown, countTokens: boolean): string | null {
  if (!isRecord(body)) return 'There was an error parsing the body of your request: expected a JSON object.'
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required'
  if (!Array.isArray(body.messages)) return 'messages: Field required'
  if (body.messages.length === 0) return 'messages: at least one message is required'
  if (countTokens) return null
  if (body.max_tokens === undefined) return 'max_tokens: Field required'
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Input should be a valid positive integer'
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return 'stream: Input should be a valid boolean'
  return null
}

export async function answerMessages (res: ServerResponse, request: MessagesRequest, behaviour: Behaviour, ctx: MessagesContext): Promise<void> {
  if (behaviour.hang === 'reset') { res.socket?.destroy(); return }
  if (behaviour.hang === 'headers') return
  if (behaviour.latencyMs > 0) {
    await ctx.delay(behaviour.latencyMs)
    if (res.destroyed) return
  }
  if (behaviour.status !== null && behaviour.status >= 400) {
    const retryAfter = retryAfterFor(behaviour.status, behaviour)
    return sendError(res, behaviour.status, ctx.requestId, undefined, retryAfter === null ? {} : { 'retry-after': retryAfter })
  }
  if (ctx.countTokens) return sendJson(res, 200, JSON.stringify({ input_tokens: estimateTokens(request) }))
  const refused = refusedSignature(request)
  if (refused !== null) return sendError(res, 400, ctx.requestId, refused)
  const promptSide = behaviour.usage === null ? ctx.promptCache.account(request, ctx.credential, estimateTokens(request), Date.now()) : null
  const reply = planReply(request, behaviour, ctx.newId('msg_'), promptSide)
  if (request.stream !== true) return writeJson(res, JSON.stringify(reply.message), behaviour)
  await writeStream(res, reply, behaviour, ctx.delay)
}

function writeJson (res: ServerResponse, json: string, behaviour: Behaviour): void {
  if (behaviour.invalidJson) return sendJson(res, 200, json.slice(0, json.length >> 1))
  if (behaviour.hang !== 'body') return sendJson(res, 200, json)
  const bytes = Buffer.from(json)
  res.writeHead(200, { ...JSON_HEADERS, 'content-length': String(bytes.length) })
  res.write(bytes.subarray(0, bytes.length >> 1)) // and never the rest
}

async function writeStream (res: ServerResponse, reply: PlannedReply, behaviour: Behaviour, delay: Delay): Promise<void> {
  const hangs = behaviour.hang === 'body'
  const resets = !hangs && behaviour.resetAfterEvents !== null
  const cut = hangs ? 1 : behaviour.errorAfterEvents ?? behaviour.truncateAfterEvents ?? behaviour.resetAfterEvents ?? Number.POSITIVE_INFINITY
  const tail = !hangs && behaviour.errorAfterEvents !== null ? OVERLOADED_EVENT : ''
  res.writeHead(200, SSE_HEADERS)
  if (behaviour.eventDelayMs === 0 && behaviour.firstTokenMs === 0 && !behaviour.stamp && !resets) {
    const body = sseEvents(reply, behaviour).slice(0, cut).join('')
    if (hangs) res.write(body)
    else res.end(body + tail)
    return
  }
  let sent = 0
  let deltaSent = false
  for (const event of sseFrames(reply, behaviour)) {
    if (sent >= cut) break
    const firstDelta = !deltaSent && event.startsWith('event: content_block_delta')
    // With a first-token delay the opening events leave together, as the API sends them.
    const wait = firstDelta ? behaviour.firstTokenMs : sent > 0 && (behaviour.firstTokenMs === 0 || deltaSent) ? behaviour.eventDelayMs : 0
    if (firstDelta) deltaSent = true
    if (wait > 0) await delay(wait)
    if (res.destroyed) return
    res.write(behaviour.stamp ? stamped(event) : event)
    sent++
  }
  if (hangs) return
  if (resets) {
    // Every event went out; now the connection dies without the chunked terminator.
    await new Promise<void>((resolve) => res.write('', () => resolve()))
    res.socket?.destroy()
    return
  }
  if (tail !== '') {
    await delay(behaviour.eventDelayMs)
    if (res.destroyed) return
  }
  res.end(tail)
}

const DELTA_DATA = 'event: content_block_delta\ndata: {'

function stamped (event: string): string {
  if (!event.startsWith(DELTA_DATA)) return event
  const sentAt = (performance.timeOrigin + performance.now()).toFixed(3)
  return `${DELTA_DATA}"sim_sent_at":${sentAt},${event.slice(DELTA_DATA.length)}`
}
