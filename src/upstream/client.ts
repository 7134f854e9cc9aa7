// Edge. The one undici dispatcher the app owns for talking to the upstream API. An Agent (not a
// single Pool) so a hot reload may point `upstream.url` elsewhere without rebuilding it.

import type { EventEmitter } from 'node:events'
import { Agent } from 'undici'
import type { Dispatcher } from 'undici'
import type { UpstreamConfig } from '../config/types.js'

/**
 * What cancels an upstream request: calls its 'abort' listeners once. undici takes any object with
 * `on`, `once` and `removeListener` as `signal` (it checks for `on`, then uses the other two).
 */
export interface AbortSource {
  readonly aborted: boolean
  on (event: 'abort', listener: () => void): unknown
  once (event: 'abort', listener: () => void): unknown
  removeListener (event: 'abort', listener: () => void): unknown
  off (event: 'abort', listener: () => void): unknown
}

export interface UpstreamRequest {
  method: string
  /** Path and query as the client sent them, e.g. /v1/messages?beta=true */
  path: string
  headers: Record<string, string | string[]>
  body: string | Buffer | NodeJS.ReadableStream | null
  signal: AbortSource
}

export interface UpstreamClient {
  request (upstream: UpstreamConfig, request: UpstreamRequest): Promise<Dispatcher.ResponseData>
  close (): Promise<void>
}

export function createUpstreamClient (options: { connectTimeoutMs: number }): UpstreamClient {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs },
    keepAliveTimeout: 30_000,
    // Per-request timeouts are passed on each call; these defaults only guard misuse.
    headersTimeout: 600_000,
    bodyTimeout: 300_000
  })
  // Parsed once per distinct upstream URL, not per request.
  let parsedFor = ''
  let origin = ''
  let basePath = ''
  return {
    request (upstream, request) {
      if (upstream.url !== parsedFor) {
        const base = new URL(upstream.url)
        origin = base.origin
        basePath = base.pathname.replace(/\/+$/, '')
        parsedFor = upstream.url
      }
      return agent.request({
        origin,
        path: basePath + request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body as Dispatcher.DispatchOptions['body'],
        // undici's types name EventEmitter; it calls only the methods AbortSource has.
        signal: request.signal as unknown as EventEmitter,
        headersTimeout: upstream.headersTimeoutMs,
        bodyTimeout: upstream.bodyTimeoutMs
      })
    },
    async close () {
      await agent.close()
    }
  }
}
