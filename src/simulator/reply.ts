// Pure. What the simulator answers to a Messages request: a deterministic Message (content derived
// from a hash of the prompt, so identical requests get identical content; only ids differ) and
// its SSE form with the real API's framing and event sequence.

import { createHash } from 'node:crypto'
import type { ContentBlock, Message, MessagesRequest, Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { Behaviour } from './behaviour.js'
import type { PromptSide } from './prompt-cache.js'
import { signatureFor } from './signatures.js'

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

/**
 * Opus 4.7 and later models tokenize the same text into ~30% more tokens (config/models.yaml
 * `tokenizer_ratio`); the simulator counts their prompts so.
 */
const NEW_TOKENIZER = /^claude-(opus-4-[7-9]|opus-5|sonnet-5|haiku-5|fable-5|mythos)/

/** count_tokens' answer, and every prompt's total: about one token per four characters of the prompt's JSON (×1.3 on the newer tokenizer). */
export function estimateTokens (body: MessagesRequest): number {
  const tokens = tokensOf(promptJson(body))
  return NEW_TOKENIZER.test(body.model) ? Math.ceil(tokens * 1.3) : tokens
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

/** `promptSide`: the prompt-cache split of the prompt's tokens (prompt-cache.ts), when it uses caching. */
export function planReply (body: MessagesRequest, behaviour: Behaviour, id: string, promptSide: PromptSide | null = null): PlannedReply {
  const prompt = promptJson(body)
  const seed = createHash('sha256').update(prompt).digest()
  const pieces = new Map<number, string[]>()
  const content: ContentBlock[] = []
  let stopReason = 'end_turn'
  const thinks = behaviour.scenario === 'thinking' || behaviour.scenario === 'thinking_tool_use'
  const usesTool = behaviour.scenario === 'tool_use' || behaviour.scenario === 'thinking_tool_use'
  if (thinks) {
    pieces.set(content.length, THOUGHTS)
    content.push({ type: 'thinking', thinking: THOUGHTS.join(''), signature: signatureFor(body.model, seed) })
  }
  const chunks = textChunks(seed, usesTool ? Math.min(3, behaviour.outputTokens) : behaviour.outputTokens, behaviour.chunkBytes)
  pieces.set(content.length, chunks)
  content.push({ type: 'text', text: chunks.join('') })
  if (usesTool) {
    const tool = Array.isArray(body.tools) ? body.tools.find((t) => isRecord(t) && typeof t.name === 'string') : undefined
    pieces.set(content.length, ['', TOOL_JSON.slice(0, 15), TOOL_JSON.slice(15)])
    content.push({ type: 'tool_use', id: 'toolu_01' + seed.toString('hex').slice(0, 22), name: typeof tool?.name === 'string' ? tool.name : 'get_weather', input: { ...TOOL_INPUT } })
    stopReason = 'tool_use'
  }
  const outputTokens = behaviour.outputTokens + (thinks ? THOUGHTS.length : 0)
  const usage: Usage = behaviour.usage ?? (promptSide === null
    ? { input_tokens: estimateTokens(body), cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens }
    : { ...promptSide, output_tokens: outputTokens })
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

/** One block's frames; the first block's start is followed by the ping the API sends there. */
function * blockFrames (block: ContentBlock, index: number, parts: string[], behaviour: Behaviour): Generator<string> {
  const delta = (d: Record<string, unknown>): string => frame('content_block_delta', { type: 'content_block_delta', index, delta: d })
  if (block.type === 'thinking') {
    yield frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } })
    if (index === 0) yield PING
    for (const thinking of parts) yield delta({ type: 'thinking_delta', thinking })
    yield delta({ type: 'signature_delta', signature: block.signature })
  } else if (block.type === 'tool_use') {
    yield frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } })
    if (index === 0) yield PING
    for (const partial of parts) yield delta({ type: 'input_json_delta', partial_json: partial })
  } else {
    yield frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
    if (index === 0) yield PING
    for (const text of parts) {
      yield delta({ type: 'text_delta', text })
      if (behaviour.ping) yield PING
    }
  }
  yield frame('content_block_stop', { type: 'content_block_stop', index })
}

/**
 * The SSE events of a planned reply, in order, each already framed: message_start, the first
 * content_block_start, a ping, the blocks' deltas and stops, message_delta (stop_reason and the
 * cumulative usage), message_stop.
 */
export function sseEvents (reply: PlannedReply, behaviour: Behaviour): string[] {
  return [...sseFrames(reply, behaviour)]
}

/**
 * sseEvents' frames one at a time, each built when it is asked for: a paced stream holds only its
 * plan, not every frame of a long answer from its first byte.
 */
export function * sseFrames (reply: PlannedReply, behaviour: Behaviour): Generator<string> {
  const { message } = reply
  yield frame('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: startUsage(message.usage) } })
  for (let index = 0; index < message.content.length; index++) {
    yield * blockFrames(message.content[index] as ContentBlock, index, reply.pieces.get(index) ?? [], behaviour)
    if (behaviour.unknownEvent && index === 0) yield frame('future_event', { type: 'future_event', note: 'clients must tolerate new event types' })
  }
  yield frame('message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { ...message.usage } })
  yield frame('message_stop', { type: 'message_stop' })
}
