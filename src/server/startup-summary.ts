// Pure. The one line the gateway logs once it listens: everything an operator checks first
// (which build, where it listens, where requests go, which policy, which cache, where the metrics
// are), with credentials in URLs redacted. Fastify's own "Server listening" lines (one per
// interface address when listening on 0.0.0.0) are replaced by this one.

import { redactUrl } from '../redact.js'

export interface StartupFacts {
  version: string
  /** `http://host:port` as bound (the real port when PORT=0). */
  listenUrl: string
  upstreamUrl: string
  policyPath: string
  routeCount: number
  cache: CacheBackend
  /** Where /metrics is served, and whether it asks for a bearer token. */
  metrics: { url: string; tokenRequired: boolean }
}

export type CacheBackend =
  | { kind: 'memory'; maxBytes: number; mode: string }
  | { kind: 'redis'; url: string; mode: string }
  | { kind: 'redis-sentinel'; sentinels: string; name: string; mode: string }
  | { kind: 'redis-cluster'; nodes: string; mode: string }

/** Fastify's listen text is set to this and dropped by the logger, so only the summary is logged. */
export const SUPPRESSED_LISTEN_TEXT = 'fastify: listening (replaced by the start-up summary)'

function cacheText (cache: CacheBackend): string {
  switch (cache.kind) {
    case 'memory': return `memory (${Math.round(cache.maxBytes / 1024 / 1024)} MiB), mode ${cache.mode}`
    case 'redis': return `redis ${redactUrl(cache.url)}, mode ${cache.mode}`
    case 'redis-sentinel': return `redis sentinel ${cache.sentinels} (${cache.name}), mode ${cache.mode}`
    case 'redis-cluster': return `redis cluster ${cache.nodes}, mode ${cache.mode}`
  }
}

/** `http://host:port` for a bound address (IPv6 hosts in brackets). */
export function listenUrl (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** The summary's message and its fields (for JSON log consumers). */
export function startupSummary (facts: StartupFacts): { fields: Record<string, string | number>; message: string } {
  const upstream = redactUrl(facts.upstreamUrl)
  const cache = cacheText(facts.cache)
  const metrics = facts.metrics.url + (facts.metrics.tokenRequired ? ' (bearer token required)' : '')
  const routes = `${facts.routeCount} route${facts.routeCount === 1 ? '' : 's'}`
  return {
    fields: { version: facts.version, listen: facts.listenUrl, upstream, policy: facts.policyPath, routes: facts.routeCount, cache, metrics },
    message: `Server listening at ${facts.listenUrl}: thriftline ${facts.version}, upstream ${upstream}, policy ${facts.policyPath} (${routes}), cache ${cache}, metrics ${metrics}`
  }
}
