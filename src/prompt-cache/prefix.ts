// Pure. The prompt-cache prefixes of a Messages request, as hashes: the API caches the prompt in
// the order tools → system → messages, up to each `cache_control` breakpoint, and on a new request
// looks back up to 20 blocks from each breakpoint for an earlier cached prefix
// (anthropic-api.md §3.1, §7.5). Hashes are scoped (tenant or credential) and carry no prompt text.
//
// What invalidates which level is folded in where the API says it matters: `speed` before the
// system prompt; `tool_choice`, `thinking` and `output_config` before the messages. `cache_control`
// markers themselves are not hashed (canonicalForm drops them): moving a marker does not change
// the text before it.

import { createHash } from 'node:crypto'
import type { Hash } from 'node:crypto'
import { canonicalForm } from '../cache/key.js'
import type { ContentBlock, MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

export type TtlKind = '5m' | '1h'

export const TTL_MS: Readonly<Record<TtlKind, number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 }

/** The API looks back this many blocks from a breakpoint for an earlier cache entry. */
const LOOKBACK_BLOCKS = 20
/** Lookups per request are bounded: one pipelined round trip, whatever the conversation's length. */
export const MAX_CANDIDATES = 12

export interface Breakpoint {
  hash: string
  ttl: TtlKind
  /** Canonical characters up to the breakpoint: splits a usage total between breakpoints. */
  weight: number
}

export interface PrefixShape {
  /** The request's breakpoints in prompt order: what an answer makes warm. */
  breakpoints: readonly Breakpoint[]
  /** Prefixes worth looking up for this request, longest first (breakpoints and message ends in the lookback). */
  candidates: readonly string[]
  /** Per candidate, the share of the prompt (by canonical length) after it: what a hit there leaves uncached. */
  tailShares: readonly number[]
  /** TTL of the last breakpoint: what a cold model would write; null without breakpoints. */
  lastTtl: TtlKind | null
  /** The turn key of the previous turn's prompt when this request continues a thinking tool loop; else null. */
  previousTurn: string | null
  /** The turn key of this request's prompt: recorded as "answered by", cached or not. */
  whole: string
}

/** `role`: set on a message's first block. */
interface Block { value: unknown; role: string | null; ttl: TtlKind | null; messageEnd: number | null }

/** TTL of a block's `cache_control`, or null when it has none. */
function ttlOf (block: unknown): TtlKind | null {
  if (!isRecord(block) || !isRecord(block.cache_control)) return null
  return block.cache_control.ttl === '1h' ? '1h' : '5m'
}

/** Tools, system blocks, then every message's blocks (a string content is one block), in prompt order. */
function blocksOf (body: MessagesRequest): { blocks: Block[]; sections: { system: number; messages: number } } {
  const blocks: Block[] = []
  if (Array.isArray(body.tools)) for (const tool of body.tools) blocks.push({ value: tool, role: null, ttl: ttlOf(tool), messageEnd: null })
  const system = blocks.length
  if (typeof body.system === 'string') blocks.push({ value: body.system, role: null, ttl: null, messageEnd: null })
  else if (Array.isArray(body.system)) for (const block of body.system) blocks.push({ value: block, role: null, ttl: ttlOf(block), messageEnd: null })
  const messages = blocks.length
  body.messages.forEach((message, index) => {
    const content: readonly unknown[] = typeof message.content === 'string' ? [message.content] : Array.isArray(message.content) ? message.content : []
    content.forEach((block, i) => {
      blocks.push({ value: block, role: i === 0 ? message.role : null, ttl: ttlOf(block), messageEnd: i === content.length - 1 ? index : null })
    })
  })
  // Automatic caching: a top-level marker is a breakpoint on the last block.
  const last = blocks[blocks.length - 1]
  const top = ttlOf(body)
  if (last !== undefined && top !== null && last.ttl === null) last.ttl = top
  return { blocks, sections: { system, messages } }
}

function isThinking (block: unknown): boolean {
  return isRecord(block) && (block.type === 'thinking' || block.type === 'redacted_thinking')
}

/** Index of the message that ends the previous turn's prompt, when this request continues a thinking tool turn. */
function previousTurnEnd (body: MessagesRequest): number | null {
  const n = body.messages.length
  const thinking = body.thinking
  if (!isRecord(thinking) || thinking.type === 'disabled' || n < 3) return null
  const last = body.messages[n - 1]
  const assistant = body.messages[n - 2]
  if (last?.role !== 'user' || !Array.isArray(last.content) || !last.content.some((block) => block.type === 'tool_result')) return null
  if (assistant?.role !== 'assistant' || !Array.isArray(assistant.content)) return null
  const signed = assistant.content.some((block: ContentBlock) => block.type === 'thinking' || block.type === 'redacted_thinking')
  return signed ? n - 3 : null
}

/**
 * @example prefixShape(body, 'key:ab12…').candidates // ['9f…', '41…'], longest prefix first
 */
export function prefixShape (body: MessagesRequest, scope: string): PrefixShape {
  const { blocks, sections } = blocksOf(body)
  const wanted = new Set<number>()
  const breakpointAt: number[] = []
  blocks.forEach((block, i) => { if (block.ttl !== null) breakpointAt.push(i) })
  for (const at of breakpointAt) {
    wanted.add(at)
    for (let i = at - 1; i >= 0 && i >= at - LOOKBACK_BLOCKS; i--) if (blocks[i]?.messageEnd !== null) wanted.add(i)
  }
  const previousMessage = previousTurnEnd(body)
  let previousAt = -1
  blocks.forEach((block, i) => { if (block.messageEnd !== null && block.messageEnd === previousMessage) previousAt = i })

  const digests = new Map<number, string>()
  const weights = new Map<number, number>()
  const hash: Hash = createHash('sha256').update('thriftline-prompt-prefix:v1\0').update(canonicalForm(scope))
  // The conversation's skeleton (thinking blocks left out) names a turn whichever way the gateway
  // reshaped it for a model: it keys "who answered", not what is cached.
  const skeleton: Hash = createHash('sha256').update('thriftline-prompt-turn:v1\0').update(canonicalForm(scope))
  let previousTurn: string | null = null
  let weight = 0
  const feed = (text: string): void => { hash.update(text); skeleton.update(text); weight += text.length }
  blocks.forEach((block, i) => {
    if (i === sections.system) feed('S' + canonicalForm(body.speed ?? null))
    if (i === sections.messages) feed('M' + canonicalForm([body.tool_choice ?? null, body.thinking ?? null, body.output_config ?? null]))
    if (block.role !== null) feed('R' + canonicalForm(block.role))
    const text = canonicalForm(block.value)
    hash.update(text)
    weight += text.length
    if (!isThinking(block.value)) skeleton.update(text)
    if (wanted.has(i)) {
      digests.set(i, hash.copy().digest('hex'))
      weights.set(i, weight)
    }
    if (i === previousAt) previousTurn = skeleton.copy().digest('hex')
  })
  const breakpoints: Breakpoint[] = breakpointAt.map((at) => ({ hash: digests.get(at) as string, ttl: blocks[at]?.ttl as TtlKind, weight: weights.get(at) ?? 0 }))
  const positions = [...wanted].filter((at) => at >= 0).sort((a, b) => b - a).slice(0, MAX_CANDIDATES)
  return {
    breakpoints,
    candidates: positions.map((at) => digests.get(at) as string),
    tailShares: positions.map((at) => Math.max(0, 1 - (weights.get(at) ?? 0) / Math.max(1, weight))),
    lastTtl: breakpoints[breakpoints.length - 1]?.ttl ?? null,
    previousTurn,
    whole: skeleton.digest('hex')
  }
}
