// Edge. Sends a complete answer (the upstream's, or a cached one) straight to the client's socket,
// past Fastify's reply pipeline: the handler has the final status, headers and body, and Fastify's
// per-header copy and onSend chain were ~20 µs (a tenth) of the gateway's own time on a lightly
// loaded request. The route records its own outcome, and answers its own errors once the reply is
// taken over (failHijacked): Fastify does neither for a hijacked reply.

import type { FastifyReply } from 'fastify'

/** `body` is the upstream's bytes as they came, or a cached answer's text. */
export function sendComplete (reply: FastifyReply, status: number, headers: Record<string, string | string[]>, body: string | Buffer): void {
  reply.hijack()
  headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length)
  // Fastify's default for a string body, for an upstream that named no type.
  headers['content-type'] ??= 'text/plain; charset=utf-8'
  reply.raw.writeHead(status, headers)
  reply.raw.end(body)
}
