// Gives every request one shape-stable context: its id, its start time and the config snapshot
// it uses until it ends (a hot reload swaps the holder, never a request's view).

import type { FastifyInstance } from 'fastify'
import type { RuntimeConfig } from '../config/types.js'

export interface RequestContext {
  id: string
  startedAtNs: bigint
  config: RuntimeConfig
  /** A route built its own outcome for the metrics; the generic onResponse record is skipped. */
  hasOutcome: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    gw: RequestContext
  }
}

export function registerRequestContext (app: FastifyInstance, currentConfig: () => RuntimeConfig): void {
  app.decorateRequest('gw', null as unknown as RequestContext)
  app.addHook('onRequest', (request, _reply, done) => {
    request.gw = { id: request.id, startedAtNs: process.hrtime.bigint(), config: currentConfig(), hasOutcome: false }
    done()
  })
}
