// Pure. Incremental SSE framing: bytes in, complete events out. The bytes themselves are written
// to the client before they reach this parser, so it never delays a token.

import { StringDecoder } from 'node:string_decoder'

export interface SseEvent {
  /** The `event:` field; `message` when the event had none. */
  event: string
  /** The `data:` lines joined with `\n`. */
  data: string
}

export class SseParser {
  #decoder = new StringDecoder('utf8')
  #buffer = ''
  /** CRLF framing is legal SSE, but the API sends LF: only search for CRLF once a CR was seen. */
  #sawCr = false

  /** Feeds a chunk; returns the events it completed (possibly none). */
  push (chunk: Buffer | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)
    if (!this.#sawCr && text.includes('\r')) this.#sawCr = true
    const buffer = this.#buffer + text
    const events: SseEvent[] = []
    let start = 0
    for (;;) {
      let end = buffer.indexOf('\n\n', start)
      let separator = 2
      if (this.#sawCr) {
        const crlf = buffer.indexOf('\r\n\r\n', start)
        if (crlf !== -1 && (end === -1 || crlf < end)) {
          end = crlf
          separator = 4
        }
      }
      if (end === -1) break
      const event = parseEvent(buffer, start, end)
      if (event !== null) events.push(event)
      start = end + separator
    }
    this.#buffer = start === 0 ? buffer : buffer.slice(start)
    return events
  }

  /** Whether bytes of an unfinished event are pending. */
  get hasPartialEvent (): boolean {
    return this.#buffer.trim().length > 0
  }
}

/** Parses buffer[start, end). Fast path for the API's own two-line `event: X\ndata: Y` framing. */
function parseEvent (buffer: string, start: number, end: number): SseEvent | null {
  if (buffer.startsWith('event: ', start)) {
    const newline = buffer.indexOf('\n', start)
    const next = newline === -1 ? -1 : buffer.indexOf('\n', newline + 1)
    if (newline !== -1 && newline < end && (next === -1 || next >= end) &&
      buffer.startsWith('data: ', newline + 1) && buffer.charCodeAt(newline - 1) !== 13 && buffer.charCodeAt(end - 1) !== 13) {
      return { event: buffer.slice(start + 7, newline), data: buffer.slice(newline + 7, end) }
    }
  }
  return parseGeneral(buffer.slice(start, end))
}

function parseGeneral (block: string): SseEvent | null {
  let event = 'message'
  let data: string | null = null
  for (const rawLine of block.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') data = data === null ? value : data + '\n' + value
  }
  return data === null ? null : { event, data }
}

/** Serialises one event the way the Messages API frames it. */
export function formatSseEvent (event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`
}
