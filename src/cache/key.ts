// Pure. The cache key: sha256 of the canonical form (sorted keys, length-prefixed strings) of everything in the request as
// sent upstream that can change the answer, plus the API version, the beta set and the tenant
// scope. Raw credentials never appear: the scope is already a hash.

import { credentialDigest, sha256Hex } from '../credential-digest.js'
import type { MessagesRequest } from '../types/anthropic.js'

/** Bump when the key changes: old entries then simply miss. (Values carry their own format marker: entry.ts.) */
export const KEY_PREFIX = 'thriftline:v1:'

/** Fields that change billing or transport, never the answer. */
const EXCLUDED_FIELDS = new Set(['stream', 'metadata', 'service_tier'])

export interface KeyHeaders {
  anthropicVersion: string | undefined
  anthropicBeta: string | undefined
}

/**
 * An unambiguous text form of a JSON value with object keys sorted at every level and
 * `cache_control` markers dropped. Not JSON: strings are written raw behind their length
 * (`s5:hello`), which makes the form injective without escaping, and escaping a 2 KB prompt cost
 * more than hashing it. Strings with lone surrogates (which UTF-8 would blur together) are written
 * as JSON instead (`j"…"`).
 *
 * @example canonicalForm({ b: 1, a: ['x'] }) // '{s1:a[s1:x]s1:bn1;}'
 */
export function canonicalForm (value: unknown): string {
  switch (typeof value) {
    case 'string': return value.isWellFormed() ? 's' + value.length + ':' + value : 'j' + JSON.stringify(value)
    case 'number': return 'n' + String(value) + ';'
    case 'boolean': return value ? 't' : 'f'
  }
  if (value === null || typeof value !== 'object') return 'z'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += canonicalForm(value[i])
    return out + ']'
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  if (!isSorted(keys)) keys.sort()
  let out = '{'
  for (const key of keys) {
    const child = record[key]
    if (key === 'cache_control' || child === undefined) continue
    out += canonicalForm(key) + canonicalForm(child)
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
  // A tuple, encoded as a whole: no delimiter can make two different inputs collide (undici #5012).
  const material = canonicalForm([scope, headers.anthropicVersion ?? null, betaSet(headers.anthropicBeta), fields])
  return KEY_PREFIX + sha256Hex(material)
}

/** One scope per credential (hashed), unless the policy names a shared scope. */
export function scopeOf (credential: string | null, sharedScope: string | null): string {
  if (sharedScope !== null) return 'shared:' + sharedScope
  return 'key:' + credentialDigest(credential ?? '')
}
