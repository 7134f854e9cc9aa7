// Edge. The chaos clients: requests the upstream would serve (checked for a complete answer and
// for which credential each answer id went to), and checks of error answers' shape.

import { Agent, request } from 'undici'
import type { Dispatcher } from 'undici'
import { HEALTHY_MODEL } from './harness.js'

/** Every client request is bounded: nothing in the suite waits forever. */
export const agent = new Agent({ connections: 64, headersTimeout: 15_000, bodyTimeout: 15_000, keepAliveTimeout: 2_000 })

export interface Credential { name: string; headers: Record<string, string> }

/** Credentials the gateway recognises: each one its own cache scope. */
export const CREDENTIALS: readonly Credential[] = [
  { name: 'alice', headers: { 'x-api-key': 'sk-ant-chaos-alice-0001' } },
  { name: 'bob', headers: { 'x-api-key': 'sk-ant-chaos-bob-0002' } },
  { name: 'carol', headers: { authorization: 'Bearer sk-ant-chaos-carol-0003' } }
]

/** Credentials the gateway does not recognise: must never share one cache scope. */
export const UNRECOGNISED_CREDENTIALS: readonly Credential[] = [
  { name: 'dave-basic', headers: { authorization: 'Basic ' + Buffer.from('dave:secret').toString('base64') } },
  { name: 'erin-goog', headers: { 'x-goog-api-key': 'erin-key' } },
  { name: 'frank-none', headers: {} },
  { name: 'grace-basic', headers: { authorization: 'Basic ' + Buffer.from('grace:other').toString('base64') } }
]

/** Which credential got each answer id: an id seen by two credentials is a cross-credential hit. */
export class AnswerLedger {
  private readonly owner = new Map<string, string>()
  crossHits = 0

  note (id: string, credential: string): void {
    const first = this.owner.get(id)
    if (first === undefined) this.owner.set(id, credential)
    else if (first !== credential) this.crossHits++
  }
}

export interface CallOptions {
  baseUrl: string
  credential: Credential
  ledger: AnswerLedger
  /** Same prompt + temperature 0 = a cacheable request another credential may also send. */
  prompt: string
  stream: boolean
  model?: string
  headers?: Record<string, string>
  signal?: AbortSignal
}

export type CallResult = 'ok' | 'failed' | 'aborted'

const BASE_HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }

/** A request the upstream would serve; 'ok' only for a complete answer (a stream with message_stop). */
export async function healthyCall (options: CallOptions): Promise<CallResult> {
  const body = JSON.stringify({ model: options.model ?? HEALTHY_MODEL, max_tokens: 32, temperature: 0, stream: options.stream, messages: [{ role: 'user', content: options.prompt }] })
  let res: Dispatcher.ResponseData
  try {
    res = await request(`${options.baseUrl}/v1/messages`, { method: 'POST', dispatcher: agent, headers: { ...BASE_HEADERS, ...options.credential.headers, ...options.headers }, body, signal: options.signal })
  } catch {
    return options.signal?.aborted === true ? 'aborted' : 'failed'
  }
  let text: string
  try {
    text = await res.body.text()
  } catch {
    return options.signal?.aborted === true ? 'aborted' : 'failed'
  }
  if (res.statusCode !== 200) return 'failed'
  const id = options.stream ? streamMessageId(text) : jsonMessageId(text)
  if (id === null) return 'failed'
  options.ledger.note(id, options.credential.name)
  return 'ok'
}

function jsonMessageId (text: string): string | null {
  try {
    const parsed = JSON.parse(text) as { type?: unknown; id?: unknown; content?: unknown }
    return parsed.type === 'message' && typeof parsed.id === 'string' && Array.isArray(parsed.content) ? parsed.id : null
  } catch {
    return null
  }
}

/** The id from message_start, when the stream ended with message_stop and carried no error event. */
export function streamMessageId (text: string): string | null {
  if (!text.includes('event: message_stop') || text.includes('event: error')) return null
  return /"id":"(msg_[^"]+)"/.exec(text)?.[1] ?? null
}

/** Anthropic's error envelope: {"type":"error","error":{"type":"…","message":"…"}}. */
export function isErrorShape (text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { type?: unknown; error?: { type?: unknown; message?: unknown } }
    return parsed.type === 'error' && typeof parsed.error?.type === 'string' && typeof parsed.error.message === 'string'
  } catch {
    return false
  }
}

/** Runs `worker` on `concurrency` loops until `until()` is true or `maxCalls` were started. */
export async function loop (concurrency: number, maxCalls: number, until: () => boolean, worker: (i: number) => Promise<void>): Promise<void> {
  let started = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!until() && started < maxCalls) await worker(started++)
  }))
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
