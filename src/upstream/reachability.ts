// Edge. Tracks whether the upstream is reachable for /readyz: every upstream request reports
// whether it got an answer or could not connect (observing costs a timestamp, no I/O), and when
// there has been no traffic for `probeAfterMs`, a /readyz asks for a TCP connect probe, run in the
// background (/readyz never waits on the upstream). Hysteresis in reachability-state.ts.

import { connect } from 'node:net'
import type { UpstreamClient } from './client.js'
import { INITIAL, observe } from './reachability-state.js'
import type { Reachability, ReachabilityState } from './reachability-state.js'
import { redactCredentials } from '../redact.js'

export interface ReachabilityReport {
  state: Reachability
  since: string | null
  checked_at: string | null
  last_error: string | null
}

export interface UpstreamReachability {
  /** The client with every request's connect outcome observed. */
  observing (client: UpstreamClient): UpstreamClient
  /** The report for /readyz; starts a probe when the last observation is older than probeAfterMs. */
  report (upstreamUrl: string): ReachabilityReport
}

export interface ReachabilityOptions {
  probeAfterMs: number
  probeTimeoutMs: number
  now?: () => number
}

/** Failures that mean the upstream could not be reached at all (not a slow or broken answer). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

function unreachableCause (err: unknown): string | null {
  let at: unknown = err
  for (let depth = 0; depth < 5 && at !== null && typeof at === 'object'; depth++) {
    const code = (at as { code?: unknown }).code
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return at instanceof Error ? at.message || code : code
    at = (at as { cause?: unknown }).cause
  }
  return null
}

export function createUpstreamReachability (options: ReachabilityOptions): UpstreamReachability {
  const now = options.now ?? Date.now
  let state: ReachabilityState = INITIAL
  let trackedUrl: string | null = null
  let probing = false
  const record = (error: string | null): void => { state = observe(state, error, now()) }
  /** What was known is about one upstream: a reload that points elsewhere starts over. */
  const track = (url: string): void => {
    if (url === trackedUrl) return
    if (trackedUrl !== null) state = INITIAL
    trackedUrl = url
  }

  function probe (url: string): void {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return
    }
    probing = true
    const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80))
    const socket = connect({ host: target.hostname.replace(/^\[|\]$/g, ''), port })
    // A probe never keeps the process alive (tests, shutdown).
    socket.unref()
    const done = (error: string | null): void => {
      if (!probing) return
      probing = false
      socket.destroy()
      // A probe of a URL since replaced by a reload says nothing about the new one.
      if (trackedUrl === url) record(error)
    }
    socket.setTimeout(options.probeTimeoutMs, () => { done(`connect timed out after ${options.probeTimeoutMs} ms`) })
    socket.once('connect', () => { done(null) })
    socket.once('error', (err: Error) => { done(err.message) })
  }

  return {
    observing (client) {
      return {
        request (upstream, request) {
          track(upstream.url)
          const pending = client.request(upstream, request)
          pending.then(() => { record(null) }, (err: unknown) => {
            const cause = request.signal.aborted ? null : unreachableCause(err)
            if (cause !== null) record(cause)
          })
          return pending
        },
        close: () => client.close()
      }
    },
    report (upstreamUrl) {
      track(upstreamUrl)
      if (!probing && (state.checkedAtMs === null || now() - state.checkedAtMs >= options.probeAfterMs)) probe(upstreamUrl)
      return {
        state: state.state,
        since: state.sinceMs === null ? null : new Date(state.sinceMs).toISOString(),
        checked_at: state.checkedAtMs === null ? null : new Date(state.checkedAtMs).toISOString(),
        last_error: state.lastError === null ? null : redactCredentials(state.lastError)
      }
    }
  }
}
