// Edge. `Expect: 100-continue` asks the server whether a body is welcome before it is sent. Node
// answers 100 by itself unless a 'checkContinue' listener exists; this one holds the 100 back until
// a body reader actually starts reading, so a body that will be refused (declared larger than the
// route's limit or the body budget) gets its 413 at once and is never uploaded. An answer sent
// while the 100 is still held closes the connection: the client may send its body regardless, and
// those bytes must not be read as the next request.

import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** Requests whose client waits for `100 Continue` that has not been sent yet. */
const pending = new WeakMap<IncomingMessage, ServerResponse>()

/** Installs the listener: every `Expect: 100-continue` request goes on as a normal request, its 100 held. */
export function holdContinue (server: Server): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    pending.set(req, res)
    res.setHeader('connection', 'close')
    server.emit('request', req, res)
  })
}

/** Whether the client is still waiting for `100 Continue` before sending its body. */
export function awaitsContinue (req: IncomingMessage): boolean {
  return pending.has(req)
}

/** Sends the held `100 Continue` (once; a no-op for requests without the expectation): call just before reading the body. */
export function sendContinue (req: IncomingMessage): void {
  const res = pending.get(req)
  if (res === undefined) return
  pending.delete(req)
  res.removeHeader('connection')
  res.writeContinue()
}
