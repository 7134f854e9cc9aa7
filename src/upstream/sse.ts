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
  /** Inside an event too large to hold: its text is dropped until the next event boundary. */
  #skipping = false
  /** Events dropped for being larger than `maxEventChars` (the stream is then not whole). */
  skipped = 0

  /**
   * @param maxEventChars an unfinished event is held up to this size, then dropped: the bytes are
   * relayed anyway, and one endless event must not grow a string to V8's limit (which failed the
   * relay with a false "upstream connection lost").
   */
  constructor (readonly maxEventChars = Number.POSITIVE_INFINITY) {}

  /** Feeds a chunk; returns the events it completed (possibly none). */
  push (chunk: Buffer | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)
    if (!this.#sawCr && text.includes('\r')) this.#sawCr = true
    if (this.#skipping) {
      const joined = this.#buffer + text
      const end = this.#boundary(joined, 0)
      if (end === null) {
        // A separator may straddle chunks: keep the last three characters.
        this.#buffer = joined.slice(-3)
        return []
      }
      this.#skipping = false
      this.#buffer = ''
      text = joined.slice(end[0] + end[1])
    }
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
    if (this.#buffer.length > this.maxEventChars) {
      this.skipped++
      this.#skipping = true
      this.#buffer = this.#buffer.slice(-3)
    }
    return events
  }

  /** [index, separator length] of the first event boundary at or after `from`, or null. */
  #boundary (text: string, from: number): [number, number] | null {
    const lf = text.indexOf('\n\n', from)
    const crlf = this.#sawCr ? text.indexOf('\r\n\r\n', from) : -1
    if (crlf !== -1 && (lf === -1 || crlf < lf)) return [crlf, 4]
    return lf === -1 ? null : [lf, 2]
  }

  /** Characters held for the unfinished event. */
  get pendingChars (): number {
    return this.#buffer.length
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
