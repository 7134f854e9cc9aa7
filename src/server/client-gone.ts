// Aborts the upstream request the moment the client goes away, so nobody pays for tokens that
// nobody will read. An EventEmitter that undici accepts as its `signal` (it listens for 'abort'):
// an AbortController costs several microseconds per request on Node 20, this a fraction of one.
// The request's one 'close' listener (request-context.ts) fires it.

import { EventEmitter } from 'node:events'

export class ClientGone extends EventEmitter {
  aborted = false

  abort (): void {
    if (this.aborted) return
    this.aborted = true
    this.emit('abort')
  }
}
