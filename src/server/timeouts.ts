// Pure. The client-side connection limits and how Node is told about them. Node checks the header
// and request timeouts only every `connectionsCheckingInterval` (30 s by default), so a 60 s
// header timeout fired anywhere between 60 and 90 s; the interval is derived from the limits so a
// timeout fires within a few percent of its value.

export interface ServerTimeouts {
  /** From connection (or the end of the previous request) until the request's headers are in: 408. */
  headersMs: number
  /** From the start of a request until its body is in: 408. Bounds slow and stalled uploads. */
  requestMs: number
  /** An idle keep-alive connection is closed after this long. */
  keepAliveMs: number
}

export const DEFAULT_TIMEOUTS: Readonly<ServerTimeouts> = Object.freeze({
  headersMs: 60_000,
  // Node's own default: a 256 MB batch needs a while on a slow link.
  requestMs: 300_000,
  // Longer than the common load balancers' idle timeout (60 s), so they, not we, close first.
  keepAliveMs: 72_000
})

/** How often Node looks for expired requests: a fortieth of the shortest timeout, within [25 ms, 1 s]. */
export function connectionsCheckingIntervalMs (timeouts: ServerTimeouts): number {
  return Math.min(1000, Math.max(25, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 40)))
}

/** Node refuses a header timeout longer than the request timeout; null when they fit together. */
export function timeoutsProblem (timeouts: ServerTimeouts): string | null {
  if (timeouts.headersMs > timeouts.requestMs) return `the header timeout (${timeouts.headersMs} ms) must not exceed the request timeout (${timeouts.requestMs} ms)`
  return null
}
