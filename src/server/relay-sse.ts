// Edge. Writes an upstream SSE body to the client chunk by chunk as it arrives (no buffering) and
// hands each chunk to a side parser only after it was written, so parsing never delays a token.
// Plain 'data' events with pause/resume for back-pressure: measurably cheaper per chunk than
// `for await` over the body.

import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { formatSseEvent } from '../upstream/sse.js'

export type RelayEnd = 'ended' | 'client_gone' | 'upstream_failed'

const LOST = formatSseEvent('error', JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'The upstream connection was lost mid-stream.' } }))

export function relaySse (raw: ServerResponse, body: Readable, onChunk: (chunk: Buffer) => void): Promise<RelayEnd> {
  return new Promise((resolve) => {
    let settled = false
    const finish = (end: RelayEnd): void => {
      if (settled) return
      settled = true
      body.off('data', onData)
      raw.off('drain', onDrain)
      raw.off('close', onClose)
      resolve(end)
    }
    const onData = (chunk: Buffer): void => {
      if (!raw.write(chunk)) body.pause()
      onChunk(chunk)
    }
    const onDrain = (): void => { body.resume() }
    const onClose = (): void => {
      if (!raw.writableFinished) finish('client_gone')
    }
    body.on('data', onData)
    raw.on('drain', onDrain)
    raw.once('close', onClose)
    body.once('end', () => {
      raw.end()
      finish('ended')
    })
    body.once('error', () => {
      if (raw.destroyed || raw.writableEnded) return finish('client_gone')
      // The upstream died mid-stream. Tell the client the way the API itself does, so the SDK
      // raises instead of waiting for a message_stop that will never come.
      raw.end(LOST)
      finish('upstream_failed')
    })
  })
}
