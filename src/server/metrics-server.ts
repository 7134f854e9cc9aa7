// A second, metrics-only listener for METRICS_PORT, so /metrics can stay off the public port.

import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { registerErrorHandler } from './error-handler.js'
import { metricsRoutes } from './routes/metrics.js'

export async function startMetricsServer (options: { registry: Registry; bearerToken: string | null; port: number; host: string }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  registerErrorHandler(app)
  await app.register(metricsRoutes, { registry: options.registry, bearerToken: options.bearerToken })
  await app.listen({ port: options.port, host: options.host })
  return app
}
