// Pure. Reads Anthropic usage objects into disjoint billing buckets without ever throwing: a
// malformed count (fractional, negative, non-numeric) is repaired the way that never under-bills
// and reported as an issue, so the money is still counted and the fault is still visible.

import { isRecord } from '../types/anthropic.js'

export interface TokenBreakdown {
  input: number
  cacheWrite5m: number
  cacheWrite1h: number
  cacheRead: number
  output: number
}

export type UsageIssueReason = 'fractional' | 'negative' | 'non_numeric'

export interface UsageIssue {
  /** Dotted path of the field inside `usage`, e.g. `iterations[1].output_tokens`. */
  field: string
  reason: UsageIssueReason
  /** The offending value, as JSON, cut to 40 characters (for the log line). */
  value: string
}

export const TOKEN_FIELDS: ReadonlyArray<keyof TokenBreakdown> = ['input', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'output']

export function zeroTokens (): TokenBreakdown {
  return { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0 }
}

/**
 * A usage count. Missing and null are 0 (the API omits fields that do not apply). A fractional
 * count rounds up, a negative one counts 0, a numeric string is read as its number and anything
 * else counts 0; each of those adds an issue.
 *
 * @example readCount(12.2, 'output_tokens', issues) // 13, issues gets { reason: 'fractional' }
 */
export function readCount (value: unknown, field: string, issues: UsageIssue[], prefix = ''): number {
  // The hot path: a well-formed count costs one check.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (value === undefined || value === null) return 0
  return repairCount(value, prefix === '' ? field : `${prefix}.${field}`, issues)
}

function repairCount (value: unknown, field: string, issues: UsageIssue[]): number {
  let number: number
  if (typeof value === 'number') number = value
  else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    number = Number(value)
    issues.push({ field, reason: 'non_numeric', value: shortJson(value) })
  } else {
    issues.push({ field, reason: 'non_numeric', value: shortJson(value) })
    return 0
  }
  if (!Number.isFinite(number)) {
    issues.push({ field, reason: 'non_numeric', value: shortJson(value) })
    return 0
  }
  if (number < 0) {
    issues.push({ field, reason: 'negative', value: shortJson(value) })
    return 0
  }
  if (!Number.isInteger(number)) {
    issues.push({ field, reason: 'fractional', value: shortJson(value) })
    return Math.ceil(number)
  }
  // Beyond 2^53 a count is no longer an exact integer; clamp so BigInt() never throws.
  return Math.min(number, Number.MAX_SAFE_INTEGER)
}

/**
 * The billing buckets of one usage object (top-level usage or one `iterations[]` entry). Without a
 * `cache_creation` split the whole `cache_creation_input_tokens` is a 5-minute write
 * (the prompt-caching docs).
 */
export function readTokens (usage: Record<string, unknown>, prefix: string, issues: UsageIssue[]): TokenBreakdown {
  const creation = readCount(usage.cache_creation_input_tokens, 'cache_creation_input_tokens', issues, prefix)
  const split = usage.cache_creation
  const hasSplit = isRecord(split) && (split.ephemeral_5m_input_tokens !== undefined || split.ephemeral_1h_input_tokens !== undefined)
  return {
    input: readCount(usage.input_tokens, 'input_tokens', issues, prefix),
    cacheWrite5m: hasSplit ? readCount(split.ephemeral_5m_input_tokens, 'cache_creation.ephemeral_5m_input_tokens', issues, prefix) : creation,
    cacheWrite1h: hasSplit ? readCount(split.ephemeral_1h_input_tokens, 'cache_creation.ephemeral_1h_input_tokens', issues, prefix) : 0,
    cacheRead: readCount(usage.cache_read_input_tokens, 'cache_read_input_tokens', issues, prefix),
    output: readCount(usage.output_tokens, 'output_tokens', issues, prefix)
  }
}

/** Prompt size that decides a price band: input + cache writes + cache reads (output never does). */
export function promptTokens (tokens: TokenBreakdown): number {
  return tokens.input + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.cacheRead
}

export function addTokens (into: TokenBreakdown, add: TokenBreakdown): void {
  into.input += add.input
  into.cacheWrite5m += add.cacheWrite5m
  into.cacheWrite1h += add.cacheWrite1h
  into.cacheRead += add.cacheRead
  into.output += add.output
}

export function hasTokens (tokens: TokenBreakdown): boolean {
  return tokens.input > 0 || tokens.cacheWrite5m > 0 || tokens.cacheWrite1h > 0 || tokens.cacheRead > 0 || tokens.output > 0
}

function shortJson (value: unknown): string {
  let text: string
  try { text = JSON.stringify(value) ?? String(value) } catch { text = String(value) }
  return text.length > 40 ? text.slice(0, 39) + '…' : text
}

/** The billing buckets of a top-level usage object, discarding issues (callers that only count). */
export function tokenBreakdown (usage: unknown): TokenBreakdown {
  return readTokens(isRecord(usage) ? usage : {}, '', [])
}
