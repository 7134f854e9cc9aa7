// Edge. Fastify gives every request a child logger bound to its id, and pino builds that child
// (bindings serialised to JSON, a prototype chain) whether or not anything is ever logged. With
// access logs off, nearly every request logs nothing: this child is made on its first log line.

import type { FastifyBaseLogger } from 'fastify'

type Bindings = Record<string, unknown>
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1]
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type LogArgs = Parameters<FastifyBaseLogger['info']>

/** Fastify's `childLoggerFactory`: the request's logger, made lazily unless it changes level or serialisers. */
export function lazyChildLogger (logger: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  if (options?.level !== undefined || options?.serializers !== undefined) return logger.child(bindings, options)
  return new LazyChildLogger(logger, bindings)
}

class LazyChildLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger
  readonly #bindings: Bindings
  #child: FastifyBaseLogger | null = null

  constructor (parent: FastifyBaseLogger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  get level (): FastifyBaseLogger['level'] { return this.#real().level }
  set level (level: FastifyBaseLogger['level']) { this.#real().level = level }

  fatal (...args: LogArgs): void { this.#log('fatal', args) }
  error (...args: LogArgs): void { this.#log('error', args) }
  warn (...args: LogArgs): void { this.#log('warn', args) }
  info (...args: LogArgs): void { this.#log('info', args) }
  debug (...args: LogArgs): void { this.#log('debug', args) }
  trace (...args: LogArgs): void { this.#log('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options)
  }

  #log (level: Level, args: LogArgs): void {
    // A line below the level would be dropped anyway: no reason to build the child for it.
    if (this.#child === null && !isLevelEnabled(this.#parent, level)) return
    this.#real()[level](...args)
  }

  #real (): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings)
    return this.#child
  }
}

function isLevelEnabled (logger: FastifyBaseLogger, level: Level): boolean {
  const check = (logger as Partial<{ isLevelEnabled: (level: string) => boolean }>).isLevelEnabled
  return typeof check !== 'function' || check.call(logger, level)
}
