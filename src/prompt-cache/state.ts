// Pure. What the gateway remembers about a prompt prefix: which models hold it warm in their
// prompt cache, how many tokens, until when; and which model last answered it (the signer of the
// thinking blocks in that answer). Learned from every answer's usage; never holds prompt text,
// only model ids and numbers. One record per scoped prefix hash (prefix.ts), at most a few models.

import { tokenCount } from '../messages/usage.js'
import type { Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { PrefixShape, TtlKind } from './prefix.js'
import { TTL_MS } from './prefix.js'

export interface WarmEntry {
  /** Canonical catalog id of the model. */
  model: string
  /** Prefix tokens in that model's cache (its own tokenizer); 0 = answered, but nothing cached. */
  tokens: number
  ttl: TtlKind
  expiresAtMs: number
  /** When this model last answered a request with this prefix. */
  servedAtMs: number
  /** Output tokens of that answer: the next turn's expected output. */
  outputTokens: number
}

/** A warm prefix as the policy sees it: unexpired, tokens > 0. */
export interface WarmPrefix extends Pick<WarmEntry, 'model' | 'tokens' | 'ttl' | 'expiresAtMs' | 'outputTokens'> {
  /** Share of this request's prompt after the warm prefix (by canonical length): scales the token estimate to the new input. */
  tailShare: number
}

/** What `decide` gets about prompt caches (looked up at the edge, passed in as data). */
export interface PromptCacheView {
  nowMs: number
  /** TTL of the request's last breakpoint (what a cold model writes); null without breakpoints. */
  lastTtl: TtlKind | null
  /** Warm prefixes of the body as sent, longest per model: valid for the requested model. */
  asSent: readonly WarmPrefix[]
  /** The same for the body another model receives (earlier thinking removed); equals asSent when nothing is removed. */
  reshaped: readonly WarmPrefix[]
  /** The model that answered the previous turn of an active thinking tool loop: its signature must be honoured. */
  thinkingSigner: string | null
}

export const MAX_MODELS_PER_PREFIX = 4
/** How long "who answered this prefix" is remembered when nothing was cached. */
const SERVED_MEMORY_MS = TTL_MS['1h']

export function encodeRecord (record: readonly WarmEntry[]): Buffer {
  return Buffer.from(JSON.stringify(record))
}

/** Null for anything that is not a list of well-formed entries (another version, a corrupt value). */
export function decodeRecord (value: Buffer | null): WarmEntry[] | null {
  if (value === null) return null
  let parsed: unknown
  try { parsed = JSON.parse(value.toString('utf8')) } catch { return null }
  if (!Array.isArray(parsed)) return null
  const entries: WarmEntry[] = []
  for (const item of parsed) {
    if (!isRecord(item) || typeof item.model !== 'string' || (item.ttl !== '5m' && item.ttl !== '1h')) return null
    const numbers = [item.tokens, item.expiresAtMs, item.servedAtMs, item.outputTokens]
    if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return null
    entries.push({ model: item.model, tokens: item.tokens as number, ttl: item.ttl, expiresAtMs: item.expiresAtMs as number, servedAtMs: item.servedAtMs as number, outputTokens: item.outputTokens as number })
  }
  return entries
}

/** The record with `entry` in place of that model's: expired entries dropped, the newest few kept. */
export function mergeEntry (record: readonly WarmEntry[] | null, entry: WarmEntry, nowMs: number): WarmEntry[] {
  const others = (record ?? []).filter((old) => old.model !== entry.model && old.expiresAtMs > nowMs)
  others.sort((a, b) => b.servedAtMs - a.servedAtMs)
  return [entry, ...others.slice(0, MAX_MODELS_PER_PREFIX - 1)]
}

/**
 * The entries one answer teaches: every breakpoint of the prompt as sent is now cached on `model`
 * (cache reads + writes = the tokens up to the last breakpoint; earlier breakpoints get their
 * share by canonical length), and the turn (its skeleton key, tokens 0) was answered by `model`. Nothing is warm when
 * the answer neither read nor wrote the cache (the prefix was below the model's minimum).
 *
 * @example learnedEntries(shape, { cache_read_input_tokens: 50_000, input_tokens: 2_000, output_tokens: 500 }, 'claude-sonnet-4-5', now)
 */
export function learnedEntries (shape: PrefixShape, usage: Usage, model: string, nowMs: number): Map<string, WarmEntry> {
  const entries = new Map<string, WarmEntry>()
  const cached = tokenCount(usage.cache_read_input_tokens) + tokenCount(usage.cache_creation_input_tokens)
  const outputTokens = tokenCount(usage.output_tokens)
  const last = shape.breakpoints[shape.breakpoints.length - 1]
  if (cached > 0 && last !== undefined) {
    for (const point of shape.breakpoints) {
      const tokens = point === last ? cached : Math.round(cached * point.weight / Math.max(1, last.weight))
      if (tokens > 0) entries.set(point.hash, { model, tokens, ttl: point.ttl, expiresAtMs: nowMs + TTL_MS[point.ttl], servedAtMs: nowMs, outputTokens })
    }
  }
  entries.set(shape.whole, { model, tokens: 0, ttl: '5m', expiresAtMs: nowMs + SERVED_MEMORY_MS, servedAtMs: nowMs, outputTokens })
  return entries
}

/** The longest unexpired warm prefix per model, from records looked up longest prefix first (`tailShares` aligned with them). */
export function warmPrefixes (records: readonly (readonly WarmEntry[] | null)[], nowMs: number, tailShares: readonly number[]): WarmPrefix[] {
  const found = new Map<string, WarmPrefix>()
  records.forEach((record, i) => {
    if (record === null) return
    for (const entry of record) {
      if (entry.tokens <= 0 || entry.expiresAtMs <= nowMs || found.has(entry.model)) continue
      found.set(entry.model, { model: entry.model, tokens: entry.tokens, ttl: entry.ttl, expiresAtMs: entry.expiresAtMs, outputTokens: entry.outputTokens, tailShare: tailShares[i] ?? 1 })
    }
  })
  return [...found.values()]
}

/** The model that most recently answered the previous turn's prompt (either body variant), if remembered. */
export function lastAnswerer (records: readonly (readonly WarmEntry[] | null)[], nowMs: number): string | null {
  let best: WarmEntry | null = null
  for (const record of records) {
    for (const entry of record ?? []) {
      if (entry.servedAtMs + SERVED_MEMORY_MS > nowMs && (best === null || entry.servedAtMs > best.servedAtMs)) best = entry
    }
  }
  return best?.model ?? null
}
