// Edge. Writes an upstream SSE body to the client chunk by chunk as it arrives (no buffering) and
// hands each chunk to a side parser only after it was written, so parsing never delays a token.
// Plain 'data' events with pause/resume for back-pressure: measurably cheaper per chunk than
// `for await` over the body. One small object per stream holds the listeners (bound methods):
// named closures made per stream each cost a `__name` call under tsx (~1.8% of a stream's CPU in
// the profile).

import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { formatSseEvent } from '../upstream/sse.js'

/**
 * ended: the stream reached its own end (message_stop, or the upstream's own `event: error`), even
 * if the connection broke just after it; truncated: the upstream closed the stream cleanly but
 * before that end; upstream_failed: the connection broke before it; client_gone: nobody listens.
 */
export type RelayEnd = 'ended' | 'truncated' | 'client_gone' | 'upstream_failed'

/**
 * A stream that stops short of its end gets an `event: error` the way the API itself fails a
 * stream, so the SDKs raise (an api_error, which clients may retry) instead of handing back a
 * partial message as if it were complete.
 */
const LOST = formatSseEvent('error', JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'The upstream connection was lost mid-stream.' } }))
const TRUNCATED = formatSseEvent('error', JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'The upstream stream ended before message_stop.' } }))

/**
 * `reachedEnd` tells, once the upstream stops, whether the events relayed so far made a whole stream.
 * `onSideError`: `onChunk` threw; it is not called again, and the relay goes on.
 */
export function relaySse (raw: ServerResponse, body: Readable, onChunk: (chunk: Buffer) => void, reachedEnd: () => boolean, onSideError: (err: unknown) => void = ignore): Promise<RelayEnd> {
  return new Promise((resolve) => { new SseRelay(raw, body, onChunk, reachedEnd, onSideError, resolve).start() })
}

function ignore (): void {}

class SseRelay {
  #settled = false
  #sideFailed = false
  readonly #onData: (chunk: Buffer) => void
  readonly #onDrain: () => void
  readonly #onClose: () => void

  constructor (
    private readonly raw: ServerResponse,
    private readonly body: Readable,
    private readonly onChunk: (chunk: Buffer) => void,
    private readonly reachedEnd: () => boolean,
    private readonly onSideError: (err: unknown) => void,
    private readonly resolve: (end: RelayEnd) => void
  ) {
    this.#onData = this.data.bind(this)
    this.#onDrain = this.drain.bind(this)
    this.#onClose = this.close.bind(this)
  }

  start (): void {
    this.body.on('data', this.#onData)
    this.raw.on('drain', this.#onDrain)
    this.raw.once('close', this.#onClose)
    this.body.once('end', this.end.bind(this))
    this.body.once('error', this.error.bind(this))
  }

  private data (chunk: Buffer): void {
    if (!this.raw.write(chunk)) this.body.pause()
    if (this.#sideFailed) return
    try {
      this.onChunk(chunk)
    } catch (err) {
      // The side parser is ours, not the upstream's: the bytes keep flowing, unparsed.
      this.#sideFailed = true
      this.onSideError(err)
    }
  }

  private drain (): void {
    this.body.resume()
  }

  private close (): void {
    if (!this.raw.writableFinished) this.finish('client_gone')
  }

  private end (): void {
    // Without the side parser nobody knows where the stream stopped: it is relayed as the upstream ended it.
    if (this.#sideFailed || this.reachedEnd()) {
      this.raw.end()
      return this.finish('ended')
    }
    this.raw.end(TRUNCATED)
    this.finish('truncated')
  }

  private error (): void {
    if (this.raw.destroyed || this.raw.writableEnded) return this.finish('client_gone')
    // A connection reset after message_stop loses nothing: the client has the whole stream.
    if (!this.#sideFailed && this.reachedEnd()) {
      this.raw.end()
      return this.finish('ended')
    }
    // The upstream died mid-stream. Tell the client the way the API itself does, so the SDK
    // raises instead of waiting for a message_stop that will never come.
    this.raw.end(LOST)
    this.finish('upstream_failed')
  }

  private finish (end: RelayEnd): void {
    if (this.#settled) return
    this.#settled = true
    this.body.off('data', this.#onData)
    this.raw.off('drain', this.#onDrain)
    this.raw.off('close', this.#onClose)
    this.resolve(end)
  }
}
