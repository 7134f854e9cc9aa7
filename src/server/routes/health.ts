// Liveness, readiness and Claude Code's connection warm-up. /readyz reports the upstream's
// reachability but stays 200 while it is unreachable: every replica shares the upstream, so taking
// this one out of rotation fixes nothing, and clients still get the gateway's clear 502/504.

import type { FastifyInstance } from 'fastify'
import { redactCredentials } from '../../redact.js'
import type { ReachabilityReport } from '../../upstream/reachability.js'

export interface HealthDeps {
  /** Cache health for /readyz: the gateway serves (uncached) when it is degraded. */
  cacheHealth: () => 'ok' | 'degraded' | 'disabled'
  upstreamReachability: (url: string) => ReachabilityReport
  isClosing: () => boolean
}

export async function healthRoutes (app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (request, reply) => {
    const { config } = request.gw
    const closing = deps.isClosing()
    const body = {
      status: closing ? 'shutting_down' : 'ready',
      config: { path: config.source.path, loaded_at: new Date(config.source.loadedAtMs).toISOString() },
      upstream: redactCredentials(config.upstream.url),
      upstream_reachability: deps.upstreamReachability(config.upstream.url),
      cache: deps.cacheHealth()
    }
    return reply.code(closing ? 503 : 200).send(body)
  })
  // Claude Code probes this before connecting.
  app.head('/api/hello', async (_request, reply) => reply.code(200).send())
  app.get('/api/hello', async () => ({ status: 'ok' }))
}
