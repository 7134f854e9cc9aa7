// Pure. The cache key: sha256 of the canonical JSON (sorted keys) of everything in the request as
// sent upstream that can change the answer, plus the API version, the beta set and the tenant
// scope. Raw credentials never appear: the scope is already a hash.

import { createHash } from 'node:crypto'
import type { MessagesRequest } from '../types/anthropic.js'

/** Bump when the key or entry format changes: old entries then simply miss. */
export const KEY_PREFIX = 'switchyard:v1:'

/** Fields that change billing or transport, never the answer (anthropic-api.md §3.2). */
const EXCLUDED_FIELDS = new Set(['stream', 'metadata', 'service_tier'])

export interface KeyHeaders {
  anthropicVersion: string | undefined
  anthropicBeta: string | undefined
}

/** JSON with object keys sorted at every level and `cache_control` markers dropped. */
export function canonicalJson (value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']'
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).filter((key) => key !== 'cache_control' && record[key] !== undefined).sort()
  return '{' + keys.map((key) => JSON.stringify(key) + ':' + canonicalJson(record[key])).join(',') + '}'
}

export function betaSet (header: string | undefined): string[] {
  if (header === undefined) return []
  return [...new Set(header.split(',').map((beta) => beta.trim()).filter((beta) => beta !== ''))].sort()
}

/**
 * @example cacheKey(body, { anthropicVersion: '2023-06-01', anthropicBeta: undefined }, scopeOf('sk-…', null))
 */
export function cacheKey (outgoing: MessagesRequest, headers: KeyHeaders, scope: string): string {
  const fields: Record<string, unknown> = {}
  for (const key in outgoing) if (!EXCLUDED_FIELDS.has(key)) fields[key] = outgoing[key]
  // A tuple, JSON-encoded as a whole: no delimiter can make two different inputs collide (undici #5012).
  const material = canonicalJson([scope, headers.anthropicVersion ?? null, betaSet(headers.anthropicBeta), fields])
  return KEY_PREFIX + createHash('sha256').update(material).digest('hex')
}

/** One scope per credential (hashed), unless the policy names a shared scope. */
export function scopeOf (credential: string | null, sharedScope: string | null): string {
  if (sharedScope !== null) return 'shared:' + sharedScope
  return 'key:' + createHash('sha256').update(credential ?? '').digest('hex')
}
