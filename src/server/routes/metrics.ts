// GET /metrics: Prometheus exposition of the app's own registry, optionally behind a bearer token.
// Mounted on the main port, or alone on METRICS_PORT.

import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { GatewayError } from '../../errors.js'
import { bearerTokenMatches } from '../bearer-token.js'

export interface MetricsRouteOptions {
  registry: Registry
  bearerToken: string | null
}

export async function metricsRoutes (app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  app.get('/metrics', async function scrape (request, reply) {
    if (options.bearerToken !== null && !bearerTokenMatches(request.headers.authorization, options.bearerToken)) {
      throw new GatewayError('TL_ERR_UNAUTHORIZED', '/metrics requires Authorization: Bearer <METRICS_TOKEN>.')
    }
    const body = await options.registry.metrics()
    return reply.header('content-type', options.registry.contentType).send(body)
  })
}
