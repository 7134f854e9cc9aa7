// Aborts the upstream request the moment the client goes away, so nobody pays for tokens that
// nobody will read. undici accepts any object with `on`/`once`/`removeListener` as its `signal`
// and listens for 'abort'. An AbortController costs several microseconds per request on Node 20;
// an EventEmitter was cheaper but its construction still showed in the profile of every miss
// (EventEmitter.init, ~0.4% of its CPU): nearly every request ends without an abort, so this holds
// at most a couple of listeners in an array. The request's one 'close' listener
// (request-context.ts) fires it.

import type { AbortSource } from '../upstream/client.js'

type Listener = () => void

export class ClientGone implements AbortSource {
  aborted = false
  #listeners: Listener[] = []

  on (_event: 'abort', listener: Listener): this {
    if (!this.aborted) this.#listeners.push(listener)
    return this
  }

  /** 'abort' fires at most once, so every listener is a once-listener. */
  once (event: 'abort', listener: Listener): this {
    return this.on(event, listener)
  }

  removeListener (_event: 'abort', listener: Listener): this {
    const at = this.#listeners.indexOf(listener)
    if (at !== -1) this.#listeners.splice(at, 1)
    return this
  }

  off (event: 'abort', listener: Listener): this {
    return this.removeListener(event, listener)
  }

  abort (): void {
    if (this.aborted) return
    this.aborted = true
    const listeners = this.#listeners
    this.#listeners = []
    for (const listener of listeners) listener()
  }
}
