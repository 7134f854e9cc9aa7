// Edge. Sends one request upstream, walking the fallback chain before the first byte reaches the
// client: on 429, 529, other 5xx or a connection failure the next candidate model is tried at once
// (another model has its own rate-limit bucket). Once a response is handed back, nothing is retried.
// A model whose circuit breaker is open is skipped without a call; every attempt after the first
// spends the retry budget, and a spent budget hands back the last upstream answer as it is.

import type { Dispatcher } from 'undici'
import type { UpstreamConfig } from '../config/types.js'
import type { AbortSource, UpstreamClient } from './client.js'
import { classifyTransportError, toGatewayError } from './transport-errors.js'
import type { AttemptVerdict } from './circuit-breaker.js'
import type { Resilience } from './resilience.js'
import { GatewayError } from '../errors.js'

export interface Candidate {
  model: string
  /** Serialised lazily: fallback bodies are only built when needed. */
  body: () => string | Buffer | null
}

export interface FallbackHop {
  from: string
  to: string
  /** `circuit_open`: `from` was skipped without a call. */
  status: number | 'connect_error' | 'timeout' | 'circuit_open'
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
  candidates: readonly Candidate[],
  resilience: Resilience
): Promise<ForwardResult> {
  if (candidates.length === 0) throw new Error('forwardWithFallback needs at least one candidate')
  const fallbacks: FallbackHop[] = []
  /** Models failed or skipped since the last attempt: hops to whichever model is tried next. */
  let pending: Array<Omit<FallbackHop, 'to'>> = []
  const deadline = Date.now() + upstream.fallbackRetryBudgetMs
  let retriedAfterWait = false
  let last: { model: string; response: Dispatcher.ResponseData } | { model: string; error: unknown } | null = null
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i] as Candidate
    const admission = resilience.admit(candidate.model, upstream)
    if (admission === 'reject') {
      pending.push({ from: candidate.model, status: 'circuit_open' })
      continue
    }
    if (last !== null) {
      if (!resilience.tryRetry(upstream)) {
        // Releases a half-open trial slot this attempt had taken.
        resilience.record(candidate.model, 'neutral', admission, upstream)
        break
      }
      if ('response' in last) await last.response.body.dump()
    } else {
      resilience.recordFirstAttempt(upstream)
    }
    for (const hop of pending) fallbacks.push({ ...hop, to: candidate.model })
    pending = []
    try {
      const response = await client.request(upstream, { method: request.method, path: request.path, headers: request.headers, body: candidate.body(), signal: request.signal })
      resilience.record(candidate.model, verdictOf(response.statusCode), admission, upstream)
      if (!isFallbackStatus(response.statusCode)) return { model: candidate.model, response, fallbacks }
      last = { model: candidate.model, response }
      pending.push({ from: candidate.model, status: response.statusCode })
    } catch (err) {
      resilience.record(candidate.model, request.signal.aborted ? 'neutral' : 'failure', admission, upstream)
      if (request.signal.aborted) throw failedAfter(err, fallbacks)
      last = { model: candidate.model, error: err }
      pending.push({ from: candidate.model, status: classifyTransportError(err) === 'timeout' ? 'timeout' : 'connect_error' })
    }
    if (i < candidates.length - 1 || last === null || !('response' in last)) continue
    // Every candidate failed. When the chain had fallbacks and the last answer asks for a short
    // wait that fits the budget, wait once and retry the chain; otherwise hand the answer back
    // verbatim so the client's own retry logic (retry-after, x-should-retry) takes over.
    const waitMs = retryAfterMs(last.response.headers, Date.now())
    if (candidates.length > 1 && !retriedAfterWait && waitMs !== null && Date.now() + waitMs <= deadline) {
      await sleep(waitMs, request.signal)
      if (request.signal.aborted) break
      retriedAfterWait = true
      i = -1
    }
  }
  if (last === null) {
    // Nothing was called: every candidate's breaker is open. Answer as the API does when
    // overloaded, with the time the first of them lets a trial through.
    const models = candidates.map((candidate) => candidate.model)
    const waitSeconds = Math.max(1, Math.ceil((resilience.retryAtMs(models, upstream) - Date.now()) / 1000))
    throw new GatewayError('TL_ERR_UPSTREAM_UNAVAILABLE', `${models.join(', ')} ${models.length === 1 ? 'is' : 'are'} failing upstream and temporarily not called; retry after ${waitSeconds} s.`, { retryAfterSeconds: waitSeconds })
  }
  if ('error' in last) throw failedAfter(last.error, fallbacks)
  return { model: last.model, response: last.response, fallbacks }
}

/** 5xx and 529 (overloaded) count against a model; 429 is its rate limit, not its health. */
export function verdictOf (status: number): AttemptVerdict {
  if (status >= 500) return 'failure'
  return status === 429 ? 'neutral' : 'success'
}

function sleep (ms: number, signal: AbortSource): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const onAbort = (): void => { clearTimeout(timer); resolve() }
    const timer = setTimeout(() => { signal.off('abort', onAbort); resolve() }, ms)
    signal.once('abort', onAbort)
  })
}
