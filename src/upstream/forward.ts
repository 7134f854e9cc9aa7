// Edge. Sends one request upstream, walking the fallback chain before the first byte reaches the
// client: on 429, 529, other 5xx or a connection failure the next candidate model is tried at once
// (another model has its own rate-limit bucket). Once a response is handed back, nothing is retried.

import type { Dispatcher } from 'undici'
import type { UpstreamConfig } from '../config/types.js'
import type { AbortSource, UpstreamClient } from './client.js'
import { classifyTransportError, toGatewayError } from './transport-errors.js'

export interface Candidate {
  model: string
  /** Serialised lazily: fallback bodies are only built when needed. */
  body: () => string | Buffer | null
}

export interface FallbackHop {
  from: string
  to: string
  status: number | 'connect_error' | 'timeout'
}

export interface ForwardResult {
  /** The candidate whose response is returned. */
  model: string
  response: Dispatcher.ResponseData
  fallbacks: FallbackHop[]
}

export interface ForwardRequest {
  method: string
  path: string
  headers: Record<string, string | string[]>
  signal: AbortSource
}

/** The hops a failed forward walked before its last candidate threw: kept with the error it threw. */
const HOPS = new WeakMap<object, readonly FallbackHop[]>()

export function hopsBefore (err: unknown): readonly FallbackHop[] {
  return (typeof err === 'object' && err !== null ? HOPS.get(err) : undefined) ?? []
}

function failedAfter (err: unknown, fallbacks: readonly FallbackHop[]): Error {
  const gatewayError = toGatewayError(err)
  if (fallbacks.length > 0) HOPS.set(gatewayError, fallbacks)
  return gatewayError
}

export function isFallbackStatus (status: number): boolean {
  return status === 429 || status >= 500
}

/** Seconds from `retry-after` (seconds or HTTP date); null when absent or unusable. */
export function retryAfterMs (headers: Dispatcher.ResponseData['headers'], nowMs: number): number | null {
  const raw = headers['retry-after']
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value === undefined) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs)
}

export async function forwardWithFallback (
  client: UpstreamClient,
  upstream: UpstreamConfig,
  request: ForwardRequest,
  candidates: readonly Candidate[]
): Promise<ForwardResult> {
  const fallbacks: FallbackHop[] = []
  const deadline = Date.now() + upstream.fallbackRetryBudgetMs
  let retriedAfterWait = false
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i] as Candidate
    const next = candidates[i + 1]
    let response: Dispatcher.ResponseData
    try {
      response = await client.request(upstream, { method: request.method, path: request.path, headers: request.headers, body: candidate.body(), signal: request.signal })
    } catch (err) {
      if (request.signal.aborted || next === undefined) throw failedAfter(err, fallbacks)
      const failure = classifyTransportError(err)
      fallbacks.push({ from: candidate.model, to: next.model, status: failure === 'timeout' ? 'timeout' : 'connect_error' })
      continue
    }
    if (!isFallbackStatus(response.statusCode)) return { model: candidate.model, response, fallbacks }
    if (next !== undefined) {
      await response.body.dump()
      fallbacks.push({ from: candidate.model, to: next.model, status: response.statusCode })
      continue
    }
    // Every candidate failed. When the chain had fallbacks and the last answer asks for a short
    // wait that fits the budget, wait once and retry the primary; otherwise hand the answer back
    // verbatim so the client's own retry logic (retry-after, x-should-retry) takes over.
    const waitMs = retryAfterMs(response.headers, Date.now())
    const first = candidates[0]
    if (candidates.length > 1 && !retriedAfterWait && first !== undefined && waitMs !== null && Date.now() + waitMs <= deadline) {
      await response.body.dump()
      fallbacks.push({ from: candidate.model, to: first.model, status: response.statusCode })
      await sleep(waitMs, request.signal)
      retriedAfterWait = true
      i = -1
      continue
    }
    return { model: candidate.model, response, fallbacks }
  }
  throw new Error('forwardWithFallback needs at least one candidate')
}

function sleep (ms: number, signal: AbortSource): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const onAbort = (): void => { clearTimeout(timer); resolve() }
    const timer = setTimeout(() => { signal.off('abort', onAbort); resolve() }, ms)
    signal.once('abort', onAbort)
  })
}
