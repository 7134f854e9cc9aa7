// Pure. The cache key: sha256 of the canonical JSON (sorted keys) of everything in the request as
// sent upstream that can change the answer, plus the API version, the beta set and the tenant
// scope. Raw credentials never appear: the scope is already a hash.

import { credentialDigest, sha256Hex } from '../credential-digest.js'
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
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  // One growing string per level (no map/join arrays): this runs on every cacheable request.
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i])
    return out + ']'
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  if (!isSorted(keys)) keys.sort()
  let out = '{'
  for (const key of keys) {
    const child = record[key]
    if (key === 'cache_control' || child === undefined) continue
    out += (out === '{' ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(child)
  }
  return out + '}'
}

function isSorted (keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false
  return true
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
  return KEY_PREFIX + sha256Hex(material)
}

/** One scope per credential (hashed), unless the policy names a shared scope. */
export function scopeOf (credential: string | null, sharedScope: string | null): string {
  if (sharedScope !== null) return 'shared:' + sharedScope
  return 'key:' + credentialDigest(credential ?? '')
}
