// Liveness, readiness and Claude Code's connection warm-up.

import type { FastifyInstance } from 'fastify'

export interface HealthDeps {
  /** Cache health for /readyz: the gateway serves (uncached) when it is degraded. */
  cacheHealth: () => 'ok' | 'degraded' | 'disabled'
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
      upstream: config.upstream.url,
      cache: deps.cacheHealth()
    }
    return reply.code(closing ? 503 : 200).send(body)
  })
  // Claude Code probes this before connecting.
  app.head('/api/hello', async (_request, reply) => reply.code(200).send())
  app.get('/api/hello', async () => ({ status: 'ok' }))
}
