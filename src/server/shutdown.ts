// Graceful shutdown: on SIGTERM/SIGINT stop accepting, let in-flight requests and streams finish
// up to a deadline, then close what is left and exit 0 (an orchestrator's stop is not a failure).

import type { FastifyInstance } from 'fastify'

export interface ShutdownOptions {
  timeoutMs: number
  /** Runs after the server closed (or the deadline passed): close Redis, watchers… */
  cleanup: () => Promise<void>
  exit: (code: number) => void
}

export function installShutdown (app: FastifyInstance, options: ShutdownOptions): void {
  let started = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (started) return
    started = true
    app.log.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: draining in-flight requests')
    const deadline = setTimeout(() => {
      app.log.warn('shutdown deadline reached: closing remaining connections')
      app.server.closeAllConnections()
    }, options.timeoutMs)
    deadline.unref()
    // server.close() closes the connections idle at that moment only; a keep-alive connection whose
    // stream ends later would hold the exit until the deadline. Sweep them as they go idle.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 250)
    sweep.unref()
    app.close()
      .catch((err: unknown) => { app.log.error({ err }, 'error while closing') })
      .then(options.cleanup)
      .catch((err: unknown) => { app.log.error({ err }, 'error during cleanup') })
      .finally(() => {
        clearTimeout(deadline)
        clearInterval(sweep)
        options.exit(0)
      })
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}
