// Pure. The prompt-cache prefixes of a Messages request, as hashes: the API caches the prompt in
// the order tools → system → messages, up to each `cache_control` breakpoint, and on a new request
// looks back up to 20 blocks from each breakpoint for an earlier cached prefix (Anthropic's
// prompt-caching docs). Hashes are scoped (tenant or credential) and carry no prompt text.
//
// One pass computes the prefixes of two bodies: the body as sent (what the requested model gets)
// and the body any other model gets, with earlier turns' thinking blocks removed (policy/apply.ts),
// plus a "turn key" with every thinking block left out, the same whichever body a model got.
// Every record (a block in the response cache key's canonical form: sorted keys, raw
// length-prefixed strings, no JSON escaping, which cost more than the hashing; `cache_control`
// markers left out, since they move from turn to turn) is hashed once, as text, into one of three
// running hashes: the skeleton (every record but thinking blocks, which is the turn key) or the
// thinking stream of each body (each thinking block it keeps, with its place in the skeleton). A
// prefix is the hash of the skeleton's and its body's thinking digests at that block: skeleton and
// placed thinking blocks give back the whole sequence, so two prefixes hash the same exactly when
// their records are the same. No hash per block (each cost ~1.5 µs of call overhead, more than
// hashing most blocks' bytes), and the prompt's bytes are hashed once, not once per running hash
// (only a thinking block both bodies keep goes into two). What invalidates which level is folded
// in where the API says it matters: `speed` before the system prompt; `tool_choice`, `thinking`
// and `output_config` before the messages.

import { createHash, hash as oneShotHash } from 'node:crypto'
import type { Hash } from 'node:crypto'
import { canonicalForm, REQUEST_SHAPE } from '../cache/key.js'
import type { MarkerShape } from '../cache/key.js'
import { activeToolTurnIndex, isThinkingBlock } from '../policy/apply.js'
import type { ContentBlock, MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

export type TtlKind = '5m' | '1h'

export const TTL_MS: Readonly<Record<TtlKind, number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 }

/** The API looks back this many blocks from a breakpoint for an earlier cache entry. */
const LOOKBACK_BLOCKS = 20
/** Lookups per body are bounded: one pipelined round trip, whatever the conversation's length. */
export const MAX_CANDIDATES = 12

export interface Breakpoint {
  hash: string
  ttl: TtlKind
  /** Characters up to the breakpoint: splits a usage total between breakpoints. */
  weight: number
}

export interface PrefixShape {
  /** The body's breakpoints in prompt order: what an answer makes warm. */
  breakpoints: readonly Breakpoint[]
  /** Prefixes worth looking up, longest first (breakpoints and message ends in the lookback). */
  candidates: readonly string[]
  /** Per candidate, the share of the prompt (by length) after it: what a hit there leaves uncached. */
  tailShares: readonly number[]
  /** TTL of the last breakpoint: what a cold model would write; null without breakpoints. */
  lastTtl: TtlKind | null
  /** The turn key of the previous turn's prompt when this request continues a thinking tool loop; else null. */
  previousTurn: string | null
  /** The turn key of this request's prompt: recorded as "answered by", cached or not. */
  whole: string
}

interface Block {
  value: unknown
  /** Where its markers are (canonicalForm leaves them out there). */
  shape: MarkerShape
  /** Set on a message's first block. */
  role: string | null
  ttl: TtlKind | null
  messageEnd: number | null
  thinking: boolean
  /** Removed from the body another model gets. */
  dropped: boolean
}

/** TTL of a block's `cache_control`, or null when it has none. */
function ttlOf (block: unknown): TtlKind | null {
  if (!isRecord(block) || !isRecord(block.cache_control)) return null
  return block.cache_control.ttl === '1h' ? '1h' : '5m'
}

/** Where the API reads `cache_control` markers in a content block, and in a tool (the response cache key's shapes). */
const BLOCK_SHAPE: MarkerShape = REQUEST_SHAPE.fields?.system?.items ?? { marker: true }
const TOOL_SHAPE: MarkerShape = REQUEST_SHAPE.fields?.tools?.items ?? { marker: true }

/** Tools, system blocks, then every message's blocks (a string content is one block), in prompt order. */
function blocksOf (body: MessagesRequest): { blocks: Block[]; system: number; messages: number } {
  const blocks: Block[] = []
  const plain = (value: unknown, shape: MarkerShape, ttl: TtlKind | null): Block => ({ value, shape, role: null, ttl, messageEnd: null, thinking: false, dropped: false })
  if (Array.isArray(body.tools)) for (const tool of body.tools) blocks.push(plain(tool, TOOL_SHAPE, ttlOf(tool)))
  const system = blocks.length
  if (typeof body.system === 'string') blocks.push(plain(body.system, BLOCK_SHAPE, null))
  else if (Array.isArray(body.system)) for (const block of body.system) blocks.push(plain(block, BLOCK_SHAPE, ttlOf(block)))
  const messages = blocks.length
  const active = activeToolTurnIndex(body)
  body.messages.forEach((message, index) => {
    const content: readonly unknown[] = typeof message.content === 'string' ? [message.content] : Array.isArray(message.content) ? message.content : []
    // As apply.ts: earlier assistant turns lose their thinking, unless that would empty them.
    const strips = message.role === 'assistant' && index !== active && Array.isArray(message.content) &&
      message.content.some((block) => !isThinkingBlock(block))
    content.forEach((block, i) => {
      const thinking = isRecord(block) && isThinkingBlock(block as ContentBlock)
      blocks.push({ value: block, shape: BLOCK_SHAPE, role: i === 0 ? message.role : null, ttl: ttlOf(block), messageEnd: i === content.length - 1 ? index : null, thinking, dropped: strips && thinking })
    })
  })
  // Automatic caching: a top-level marker is a breakpoint on the last block.
  const last = blocks[blocks.length - 1]
  const top = ttlOf(body)
  if (last !== undefined && top !== null && last.ttl === null) last.ttl = top
  return { blocks, system, messages }
}

/** Index of the message that ends the previous turn's prompt, when this request continues a thinking tool turn. */
function previousTurnEnd (body: MessagesRequest): number | null {
  const index = activeToolTurnIndex(body)
  if (index < 1) return null
  const assistant = body.messages[index]
  if (assistant === undefined || !Array.isArray(assistant.content) || !assistant.content.some(isThinkingBlock)) return null
  return index - 1
}

/** Bump when the text form or the chaining changes: prefixes and turn keys stored by another version then simply miss once. */
const PREFIX_VERSION = 'thriftline-prompt-prefix:v3\0'
const TURN_VERSION = 'thriftline-prompt-turn:v3\0'

/**
 * What follows each record's text: its length. Read from the end, a run of records splits one way
 * whatever the texts hold (the length is known only once a block's text has been written).
 */
const end = (length: number): string => '|' + length + ';'

/** One body's thinking blocks and what it collects: its prefixes are the shared skeleton plus these. */
class Variant {
  /** Each kept thinking block with its place (how many skeleton records precede it). */
  private readonly thinking: Hash
  /** The thinking stream's digest, taken once per change: most marks follow no new thinking block. */
  private thinkingDigest: Buffer | null = null
  /** Skeleton digest, then thinking digest: what a prefix hash is the hash of. */
  private readonly pair = Buffer.alloc(64)
  weight = 0
  readonly digests = new Map<number, string>()
  readonly weights = new Map<number, number>()

  constructor (scope: string, readonly wanted: ReadonlySet<number>) {
    this.thinking = createHash('sha256').update(PREFIX_VERSION).update(JSON.stringify(scope))
  }

  think (placed: string): void {
    this.thinking.update(placed)
    this.thinkingDigest = null
  }

  mark (i: number, skeleton: () => Buffer): void {
    if (!this.wanted.has(i)) return
    this.thinkingDigest ??= this.thinking.copy().digest()
    skeleton().copy(this.pair, 0)
    this.thinkingDigest.copy(this.pair, 32)
    this.digests.set(i, oneShotHash('sha256', this.pair, 'hex'))
    this.weights.set(i, this.weight)
  }

  shape (blocks: readonly Block[], breakpointAt: readonly number[], turn: { previousTurn: string | null; whole: string }): PrefixShape {
    const kept = breakpointAt.filter((at) => this.digests.has(at))
    const breakpoints = kept.map((at) => ({ hash: this.digests.get(at) as string, ttl: blocks[at]?.ttl as TtlKind, weight: this.weights.get(at) ?? 0 }))
    const positions = [...this.digests.keys()].sort((a, b) => b - a).slice(0, MAX_CANDIDATES)
    return {
      breakpoints,
      candidates: positions.map((at) => this.digests.get(at) as string),
      tailShares: positions.map((at) => Math.max(0, 1 - (this.weights.get(at) ?? 0) / Math.max(1, this.weight))),
      lastTtl: breakpoints[breakpoints.length - 1]?.ttl ?? null,
      ...turn
    }
  }
}

/**
 * The prefixes of the body as sent and of the body another model gets (the same object when no
 * thinking block is removed), in one pass.
 *
 * @example prefixShapes(body, 'key:ab12…').asSent.candidates // ['9f…', '41…'], longest prefix first
 */
export function prefixShapes (body: MessagesRequest, scope: string): { asSent: PrefixShape; reshaped: PrefixShape } {
  const { blocks, system, messages } = blocksOf(body)
  const breakpointAt: number[] = []
  blocks.forEach((block, i) => { if (block.ttl !== null) breakpointAt.push(i) })
  const wanted = new Set<number>()
  for (const at of breakpointAt) {
    wanted.add(at)
    for (let i = at - 1; i >= 0 && i >= at - LOOKBACK_BLOCKS; i--) if (blocks[i]?.messageEnd !== null) wanted.add(i)
  }
  const anyDropped = blocks.some((block) => block.dropped)
  // A dropped block ends no prefix of the reshaped body: the mark lands on the block before it.
  const sent = new Variant(scope, wanted)
  const other = anyDropped ? new Variant(scope, new Set([...wanted].filter((i) => blocks[i]?.dropped !== true))) : null
  // The skeleton (every record but thinking blocks) is hashed once, as text, and is the turn key.
  const skeleton = createHash('sha256').update(TURN_VERSION).update(JSON.stringify(scope))
  let records = 0
  // The skeleton's digest after block `at`, taken once for both bodies' marks there.
  let at = -1
  let digestAt = -1
  let skeletonDigest: Buffer = Buffer.alloc(0)
  const skeletonNow = (): Buffer => {
    if (digestAt !== at) { skeletonDigest = skeleton.copy().digest(); digestAt = at }
    return skeletonDigest
  }
  const previousMessage = previousTurnEnd(body)
  let previousTurn: string | null = null
  const all = (text: string): void => {
    skeleton.update(text + end(text.length))
    records++
    sent.weight += text.length
    if (other !== null) other.weight += text.length
  }
  blocks.forEach((block, i) => {
    if (i === system) all('S' + JSON.stringify(body.speed ?? null))
    if (i === messages) all('M' + JSON.stringify([body.tool_choice ?? null, body.thinking ?? null, body.output_config ?? null]))
    if (block.role !== null) all('R' + JSON.stringify(block.role))
    let length = 0
    if (!block.thinking) {
      const text = canonicalForm(block.value, block.shape)
      length = text.length
      skeleton.update(text + end(length))
      records++
    } else if (wanted.size > 0) {
      // Its place in the skeleton (how many records precede it) makes the merged sequence one.
      // (Without a breakpoint only the turn key is wanted, and it leaves thinking blocks out.)
      const text = canonicalForm(block.value, block.shape)
      length = text.length
      const placed = records + ';' + text + end(length)
      sent.think(placed)
      if (!block.dropped) other?.think(placed)
    }
    sent.weight += length
    if (!block.dropped && other !== null) other.weight += length
    at = i
    sent.mark(i, skeletonNow)
    other?.mark(i, skeletonNow)
    if (block.messageEnd !== null && block.messageEnd === previousMessage) previousTurn = skeletonNow().toString('hex')
  })
  const turn = { previousTurn, whole: skeleton.digest('hex') }
  const asSent = sent.shape(blocks, breakpointAt, turn)
  return { asSent, reshaped: other === null ? asSent : other.shape(blocks, breakpointAt, turn) }
}

/** The prefixes of `body` as it is sent. */
export function prefixShape (body: MessagesRequest, scope: string): PrefixShape {
  return prefixShapes(body, scope).asSent
}
