// The stored form of a cached answer: versioned JSON, gzip-compressed when large, with a one-byte
// format marker so a reader never guesses. A corrupt or foreign value decodes to null (a miss).

import { gunzipSync, gzipSync } from 'node:zlib'
import type { Message } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

export interface CacheEntry {
  message: Message
  storedAtMs: number
  /** The form that filled the entry; either form can be served from it. */
  form: 'json' | 'sse'
}

const PLAIN = 0x00
const GZIP = 0x01

export function encodeEntry (entry: CacheEntry, compressOverBytes: number): Buffer {
  const json = Buffer.from(JSON.stringify({ v: 1, ...entry }))
  if (json.length <= compressOverBytes) return Buffer.concat([Buffer.from([PLAIN]), json])
  return Buffer.concat([Buffer.from([GZIP]), gzipSync(json)])
}

export function decodeEntry (value: Buffer): CacheEntry | null {
  try {
    const marker = value[0]
    const body = value.subarray(1)
    const json = marker === PLAIN ? body : marker === GZIP ? gunzipSync(body) : null
    if (json === null) return null
    const parsed: unknown = JSON.parse(json.toString('utf8'))
    if (!isRecord(parsed) || parsed.v !== 1 || !isRecord(parsed.message) || typeof parsed.storedAtMs !== 'number') return null
    if (!Array.isArray(parsed.message.content)) return null
    return { message: parsed.message as unknown as Message, storedAtMs: parsed.storedAtMs, form: parsed.form === 'sse' ? 'sse' : 'json' }
  } catch {
    return null
  }
}
