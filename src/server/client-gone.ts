// Aborts the upstream request the moment the client goes away, so nobody pays for tokens that
// nobody will read.

import type { FastifyReply } from 'fastify'

export function abortOnClientGone (reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort()
  })
  return controller.signal
}
