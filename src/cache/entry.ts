// The stored form of a cached answer, with a one-byte format marker so a reader never guesses; a
// corrupt or foreign value decodes to null (a miss). Format 2 keeps the answer as the bytes it was
// served as (the JSON body, or the SSE replay of a streamed one) after a small header: a hit in the
// same form writes them out unchanged, with no parse and no re-serialisation (format 1 stored the
// message inside the entry's JSON, so every hit parsed it and re-serialised or replayed it). Format
// 1 entries, written before an upgrade, still decode.

import { gunzipSync, gzipSync } from 'node:zlib'
import type { Message, Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import { replaySse } from './replay.js'

export interface CacheEntry {
  /** The answer as served in `form`: a JSON message, or its SSE replay. */
  body: Buffer
  usage: Usage
  storedAtMs: number
  /** The form that filled the entry; either form can be served from it (served-body.ts). */
  form: 'json' | 'sse'
}

const V1_PLAIN = 0x00
const V1_GZIP = 0x01
const PLAIN = 0x02
const GZIP = 0x03
/** Bytes of the header's length, before the header. */
const LENGTH_BYTES = 4

/**
 * `json`: a non-streamed answer's own bytes, kept as they came when they are exactly one object;
 * the message is serialised (or, for a stream, replayed) otherwise.
 */
export function newEntry (message: Message, form: CacheEntry['form'], storedAtMs: number, json?: Buffer): CacheEntry {
  const body = form === 'sse'
    ? Buffer.from(replaySse(message))
    : json !== undefined && isServable(json, 'json') ? json : Buffer.from(JSON.stringify(message))
  return { body, usage: message.usage, storedAtMs, form }
}

const SSE_START = Buffer.from('event: message_start\n')
const SSE_END = Buffer.from('\n\n')

/** The shape a served body of `form` has from its first byte to its last: a cut-off one does not. */
function isServable (body: Buffer, form: CacheEntry['form']): boolean {
  if (form === 'json') return body[0] === 0x7b && body[body.length - 1] === 0x7d
  return body.length > SSE_START.length && SSE_START.equals(body.subarray(0, SSE_START.length)) && SSE_END.equals(body.subarray(body.length - 2))
}

/** `[marker][header length][header JSON][body]`, the part after the marker gzipped when large. */
export function encodeEntry (entry: CacheEntry, compressOverBytes: number): Buffer {
  const header = Buffer.from(JSON.stringify({ v: 2, storedAtMs: entry.storedAtMs, form: entry.form, usage: entry.usage, bytes: entry.body.length }))
  const length = Buffer.alloc(LENGTH_BYTES)
  length.writeUInt32BE(header.length)
  const payload = Buffer.concat([length, header, entry.body])
  if (payload.length <= compressOverBytes) return Buffer.concat([Buffer.from([PLAIN]), payload])
  return Buffer.concat([Buffer.from([GZIP]), gzipSync(payload)])
}

export function decodeEntry (value: Buffer): CacheEntry | null {
  try {
    const marker = value[0]
    const body = value.subarray(1)
    if (marker === PLAIN || marker === GZIP) return decodeV2(marker === PLAIN ? body : gunzipSync(body))
    if (marker === V1_PLAIN || marker === V1_GZIP) return decodeV1(marker === V1_PLAIN ? body : gunzipSync(body))
    return null
  } catch {
    return null
  }
}

function decodeV2 (payload: Buffer): CacheEntry | null {
  const headerEnd = LENGTH_BYTES + payload.readUInt32BE(0)
  const header: unknown = JSON.parse(payload.toString('utf8', LENGTH_BYTES, headerEnd))
  if (!isRecord(header) || header.v !== 2 || typeof header.storedAtMs !== 'number' || !isRecord(header.usage)) return null
  if (header.form !== 'json' && header.form !== 'sse') return null
  const body = payload.subarray(headerEnd)
  // A cut-off value must not be served: the length written is the length read, and the shape holds.
  if (header.bytes !== body.length || !isServable(body, header.form)) return null
  return { body, usage: header.usage as Usage, storedAtMs: header.storedAtMs, form: header.form }
}

function decodeV1 (json: Buffer): CacheEntry | null {
  const parsed: unknown = JSON.parse(json.toString('utf8'))
  if (!isRecord(parsed) || parsed.v !== 1 || !isRecord(parsed.message) || typeof parsed.storedAtMs !== 'number') return null
  if (!Array.isArray(parsed.message.content) || !isRecord(parsed.message.usage)) return null
  return newEntry(parsed.message as unknown as Message, parsed.form === 'sse' ? 'sse' : 'json', parsed.storedAtMs)
}
