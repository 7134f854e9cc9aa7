// Pure. What the simulator answers to a Messages request: a deterministic Message (content derived
// from a hash of the prompt, so identical requests get identical content; only ids differ) and
// its SSE form with the real API's framing and event sequence.

import { createHash } from 'node:crypto'
import type { ContentBlock, Message, MessagesRequest, Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { Behaviour } from './behaviour.js'

const WORDS = ['Thriftline', 'routes', 'every', 'request', 'to', 'the', 'cheapest', 'model', 'that', 'can', 'serve', 'it', 'and', 'remembers', 'what', 'it', 'cost', 'today']
const THOUGHTS = ['Let me think', ' about this', ' carefully.']
const TOOL_INPUT = { location: 'San Francisco, CA', unit: 'celsius' }
const TOOL_JSON = JSON.stringify(TOOL_INPUT)
const PING = 'event: ping\ndata: {"type": "ping"}\n\n'

function promptJson (body: MessagesRequest): string {
  return JSON.stringify([body.system ?? '', body.messages, body.tools ?? []])
}

function tokensOf (json: string): number {
  return Math.max(1, Math.ceil(json.length / 4))
}

/** count_tokens' answer: about one token per four characters of the prompt's JSON. */
export function estimateTokens (body: MessagesRequest): number {
  return tokensOf(promptJson(body))
}

function textChunks (seed: Buffer, count: number, padTo: number | null): string[] {
  const chunks: string[] = []
  for (let i = 0; i < count; i++) {
    const word = (i === 0 ? '' : ' ') + (WORDS[(seed[i % seed.length] ?? 0) % WORDS.length] ?? 'ok')
    chunks.push(padTo === null ? word : word.padEnd(padTo, '.').slice(0, padTo))
  }
  return chunks
}

export interface PlannedReply {
  message: Message
  /** The pieces each block is streamed in, by block index (text, thinking or partial JSON). */
  pieces: Map<number, string[]>
}

export function planReply (body: MessagesRequest, behaviour: Behaviour, id: string): PlannedReply {
  const prompt = promptJson(body)
  const seed = createHash('sha256').update(prompt).digest()
  const pieces = new Map<number, string[]>()
  const content: ContentBlock[] = []
  let stopReason = 'end_turn'
  if (behaviour.scenario === 'thinking') {
    pieces.set(content.length, THOUGHTS)
    content.push({ type: 'thinking', thinking: THOUGHTS.join(''), signature: 'EqQBCgIYAhIM' + seed.toString('base64').slice(0, 24) })
  }
  const chunks = textChunks(seed, behaviour.scenario === 'tool_use' ? Math.min(3, behaviour.outputTokens) : behaviour.outputTokens, behaviour.chunkBytes)
  pieces.set(content.length, chunks)
  content.push({ type: 'text', text: chunks.join('') })
  if (behaviour.scenario === 'tool_use') {
    const tool = Array.isArray(body.tools) ? body.tools.find((t) => isRecord(t) && typeof t.name === 'string') : undefined
    pieces.set(content.length, ['', TOOL_JSON.slice(0, 15), TOOL_JSON.slice(15)])
    content.push({ type: 'tool_use', id: 'toolu_01' + seed.toString('hex').slice(0, 22), name: typeof tool?.name === 'string' ? tool.name : 'get_weather', input: { ...TOOL_INPUT } })
    stopReason = 'tool_use'
  }
  const usage: Usage = behaviour.usage ?? {
    input_tokens: tokensOf(prompt),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: behaviour.outputTokens + (behaviour.scenario === 'thinking' ? THOUGHTS.length : 0)
  }
  const message: Message = { id, type: 'message', role: 'assistant', model: body.model, content, stop_reason: stopReason, stop_sequence: null, usage }
  return { message, pieces }
}

function frame (event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

/** message_start carries the prompt side of usage and a small placeholder output count. */
function startUsage (usage: Usage): Usage {
  const start: Usage = {
    input_tokens: usage.input_tokens ?? 0,
    cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? 0
  }
  if (usage.cache_creation !== undefined) start.cache_creation = usage.cache_creation
  if (usage.service_tier !== undefined) start.service_tier = usage.service_tier
  start.output_tokens = 1
  return start
}

function blockEvents (block: ContentBlock, index: number, parts: string[], behaviour: Behaviour): string[] {
  const delta = (d: Record<string, unknown>): string => frame('content_block_delta', { type: 'content_block_delta', index, delta: d })
  const events: string[] = []
  if (block.type === 'thinking') {
    events.push(frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }))
    for (const thinking of parts) events.push(delta({ type: 'thinking_delta', thinking }))
    events.push(delta({ type: 'signature_delta', signature: block.signature }))
  } else if (block.type === 'tool_use') {
    events.push(frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }))
    for (const partial of parts) events.push(delta({ type: 'input_json_delta', partial_json: partial }))
  } else {
    events.push(frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }))
    for (const text of parts) {
      events.push(delta({ type: 'text_delta', text }))
      if (behaviour.ping) events.push(PING)
    }
  }
  events.push(frame('content_block_stop', { type: 'content_block_stop', index }))
  return events
}

/**
 * The SSE events of a planned reply, in order, each already framed: message_start, the first
 * content_block_start, a ping, the blocks' deltas and stops, message_delta (stop_reason and the
 * cumulative usage), message_stop.
 */
export function sseEvents (reply: PlannedReply, behaviour: Behaviour): string[] {
  const { message } = reply
  const events: string[] = [frame('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: startUsage(message.usage) } })]
  message.content.forEach((block, index) => {
    const blockFrames = blockEvents(block, index, reply.pieces.get(index) ?? [], behaviour)
    if (index === 0) blockFrames.splice(1, 0, PING)
    events.push(...blockFrames)
    if (behaviour.unknownEvent && index === 0) events.push(frame('future_event', { type: 'future_event', note: 'clients must tolerate new event types' }))
  })
  events.push(frame('message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { ...message.usage } }))
  events.push(frame('message_stop', { type: 'message_stop' }))
  return events
}
