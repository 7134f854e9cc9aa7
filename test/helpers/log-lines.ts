// A destination for pino (Fastify's `logger.stream`) that keeps each JSON log line, parsed.

import { Writable } from 'node:stream'

export function lineCollector (): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    }
  })
  return { stream, lines }
}
