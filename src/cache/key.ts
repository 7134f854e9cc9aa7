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
 * Where the API reads a prompt-cache marker (`cache_control`): on the request itself, on tools, on
 * system and message content blocks, and on the blocks nested in a block's `content` (tool_result,
 * search_result) or `source.content` (document). Only there is it a billing marker to leave out
 * of the key; anywhere else (a tool_use `input`, a tool's `input_schema`, a text) a key of that
 * name is the user's data and changes the answer.
 */
export interface MarkerShape {
  /** `cache_control` on this object is the API's marker. */
  readonly marker: boolean
  /** The shape of each element, when this is an array. */
  readonly items?: MarkerShape
  /** The shape of named members, when this is an object. */
  readonly fields?: Readonly<Record<string, MarkerShape>>
}

const PLAIN: MarkerShape = { marker: false }
const BLOCK_FIELDS: Record<string, MarkerShape> = {}
const BLOCK: MarkerShape = { marker: true, fields: BLOCK_FIELDS }
const BLOCK_LIST: MarkerShape = { marker: false, items: BLOCK }
BLOCK_FIELDS.content = BLOCK_LIST
BLOCK_FIELDS.source = { marker: false, fields: { content: BLOCK_LIST } }

/** The Messages request body. */
export const REQUEST_SHAPE: MarkerShape = {
  marker: true,
  fields: {
    system: BLOCK_LIST,
    tools: { marker: false, items: { marker: true } },
    messages: { marker: false, items: { marker: false, fields: { content: BLOCK_LIST } } }
  }
}

/**
 * An unambiguous text form of a JSON value with object keys sorted at every level and the API's
 * `cache_control` markers (where `shape` says they are) dropped. Not JSON: strings are written raw behind their length
 * (`s5:hello`), which makes the form injective without escaping, and escaping a 2 KB prompt cost
 * more than hashing it. Strings with lone surrogates (which UTF-8 would blur together) are written
 * as JSON instead (`j"…"`).
 *
 * @example canonicalForm({ b: 1, a: ['x'] }) // '{s1:a[s1:x]s1:bn1;}'
 */
export function canonicalForm (value: unknown, shape: MarkerShape = PLAIN): string {
  switch (typeof value) {
    case 'string': return value.isWellFormed() ? 's' + value.length + ':' + value : 'j' + JSON.stringify(value)
    case 'number': return 'n' + String(value) + ';'
    case 'boolean': return value ? 't' : 'f'
  }
  if (value === null || typeof value !== 'object') return 'z'
  if (Array.isArray(value)) {
    let out = '['
    const items = shape.items ?? PLAIN
    for (let i = 0; i < value.length; i++) out += canonicalForm(value[i], items)
    return out + ']'
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  if (!isSorted(keys)) keys.sort()
  let out = '{'
  const fields = shape.fields
  for (const key of keys) {
    const child = record[key]
    if (child === undefined || (shape.marker && key === 'cache_control')) continue
    out += canonicalForm(key) + canonicalForm(child, fields?.[key] ?? PLAIN)
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
  // (The same text as canonicalForm of the 4-tuple, with the request's marker shape on its last member.)
  const material = '[' + canonicalForm(scope) + canonicalForm(headers.anthropicVersion ?? null) + canonicalForm(betaSet(headers.anthropicBeta)) +
    canonicalForm(fields, REQUEST_SHAPE) + ']'
  return KEY_PREFIX + sha256Hex(material)
}

/** One scope per credential (hashed), unless the policy names a shared scope. */
export function scopeOf (credential: string | null, sharedScope: string | null): string {
  if (sharedScope !== null) return 'shared:' + sharedScope
  return 'key:' + credentialDigest(credential ?? '')
}
