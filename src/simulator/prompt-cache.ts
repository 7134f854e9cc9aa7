// The simulator's prompt cache, per credential and per model, as the API bills it
// (anthropic-api.md §3.1, §4, §7.5): the prompt in the order tools → system → messages; a
// `cache_control` block (or a top-level marker, on the last block) is a breakpoint; a request
// reads the longest prefix still cached at a breakpoint or up to 20 blocks before one, and writes
// the rest up to its last breakpoint at that breakpoint's TTL (5m or 1h), when the prefix reaches
// the model's minimum; a read refreshes the entry's TTL. Deliberately its own code, not the
// gateway's prefix hashing: the gateway is tested against it.
//
// Token counts are the simulator's usual ~4 characters per token of the prompt's JSON; a prefix
// counts its share of the prompt by characters, so input + reads + writes = the usual total.

import { createHash } from 'node:crypto'
import type { MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

type Ttl = '5m' | '1h'
const TTL_MS: Record<Ttl, number> = { '5m': 300_000, '1h': 3_600_000 }
const LOOKBACK_BLOCKS = 20
/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 50_000

/** Minimum cacheable prefix by model family (anthropic-api.md §7.5); 1,024 otherwise. */
const MINIMUM: ReadonlyArray<[RegExp, number]> = [
  [/^claude-(haiku-4-5|opus-4-5|opus-4-6)/, 4096],
  [/^claude-(3-5-haiku|3-haiku|opus-4-7)/, 2048],
  [/^claude-(opus-5|fable-5|mythos-5)(?!-5)/, 512]
]

export interface PromptSide {
  input_tokens: number
  cache_read_input_tokens: number
  cache_creation_input_tokens: number
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }
}

/** `claude-haiku-4-5-20251001` → `claude-haiku-4-5`: one cache (and one signer) per model. */
export function canonicalModel (model: string): string {
  return model.replace(/-\d{8}$/, '').replace(/\[1m\]$/, '')
}

function minimumFor (model: string): number {
  for (const [pattern, tokens] of MINIMUM) if (pattern.test(model)) return tokens
  return 1024
}

function withoutMarkers (_key: string, value: unknown): unknown {
  return _key === 'cache_control' ? undefined : value
}

interface Block { chars: number; ttl: Ttl | null; text: string }

function ttlOf (value: unknown): Ttl | null {
  if (!isRecord(value) || !isRecord(value.cache_control)) return null
  return value.cache_control.ttl === '1h' ? '1h' : '5m'
}

function blocksOf (body: MessagesRequest): Block[] {
  const blocks: Block[] = []
  const add = (value: unknown, ttl: Ttl | null): void => {
    const text = JSON.stringify(value, withoutMarkers) ?? ''
    blocks.push({ chars: text.length, ttl, text })
  }
  for (const tool of body.tools ?? []) add(tool, ttlOf(tool))
  if (typeof body.system === 'string') add(body.system, null)
  else for (const block of body.system ?? []) add(block, ttlOf(block))
  for (const message of body.messages) {
    if (typeof message.content === 'string') add([message.role, message.content], null)
    else message.content.forEach((block, i) => add(i === 0 ? [message.role, block] : block, ttlOf(block)))
  }
  const top = ttlOf(body)
  const last = blocks[blocks.length - 1]
  if (top !== null && last !== undefined && last.ttl === null) last.ttl = top
  return blocks
}

export interface SimulatedPromptCache {
  /** The prompt side of usage for this request (and the cache updated), or null when it has no breakpoint. */
  account (body: MessagesRequest, credential: string, totalTokens: number, nowMs: number): PromptSide | null
  clear (): void
}

export function createSimulatedPromptCache (): SimulatedPromptCache {
  const entries = new Map<string, { expiresAtMs: number; ttl: Ttl }>()

  function remember (key: string, ttl: Ttl, nowMs: number): void {
    entries.delete(key)
    entries.set(key, { expiresAtMs: nowMs + TTL_MS[ttl], ttl })
    if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string)
  }

  return {
    account (body, credential, totalTokens, nowMs) {
      const blocks = blocksOf(body)
      const breakpoints = blocks.flatMap((block, i) => (block.ttl === null ? [] : [i]))
      const lastBreakpoint = breakpoints[breakpoints.length - 1]
      if (lastBreakpoint === undefined) return null
      const model = canonicalModel(body.model)
      const totalChars = blocks.reduce((sum, block) => sum + block.chars, 0)
      // Prefix keys and token counts at every block end.
      const hash = createHash('sha256').update(credential + '\0' + model + '\0')
      const keys: string[] = []
      const tokensTo: number[] = []
      let chars = 0
      for (const block of blocks) {
        hash.update(block.text + '\0')
        chars += block.chars
        keys.push(hash.copy().digest('hex'))
        tokensTo.push(Math.min(totalTokens, Math.ceil(totalTokens * chars / Math.max(1, totalChars))))
      }
      const tokensAt = (i: number): number => (i < 0 ? 0 : tokensTo[i] ?? 0)
      // The longest cached prefix within a breakpoint's lookback window.
      let hit = -1
      for (const b of breakpoints) {
        for (let i = b; i >= 0 && i >= b - LOOKBACK_BLOCKS && i > hit; i--) {
          const entry = entries.get(keys[i] as string)
          if (entry !== undefined && entry.expiresAtMs > nowMs) { hit = i; break }
        }
      }
      if (hit >= 0) {
        const entry = entries.get(keys[hit] as string)
        if (entry !== undefined) remember(keys[hit] as string, entry.ttl, nowMs)
      }
      const side: PromptSide = { input_tokens: 0, cache_read_input_tokens: tokensAt(hit), cache_creation_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } }
      if (tokensAt(lastBreakpoint) >= minimumFor(model)) {
        let end = hit
        for (const b of breakpoints) {
          if (b <= hit) continue
          const ttl = blocks[b]?.ttl as Ttl
          const written = tokensAt(b) - tokensAt(end)
          if (ttl === '1h') side.cache_creation.ephemeral_1h_input_tokens += written
          else side.cache_creation.ephemeral_5m_input_tokens += written
          remember(keys[b] as string, ttl, nowMs)
          end = b
        }
      }
      side.cache_creation_input_tokens = side.cache_creation.ephemeral_5m_input_tokens + side.cache_creation.ephemeral_1h_input_tokens
      side.input_tokens = totalTokens - side.cache_read_input_tokens - side.cache_creation_input_tokens
      return side
    },
    clear () {
      entries.clear()
    }
  }
}
