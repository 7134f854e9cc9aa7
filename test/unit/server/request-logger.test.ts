import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import type { FastifyBaseLogger } from 'fastify'
import { lazyChildLogger } from '../../../src/server/request-logger.js'
import { lineCollector } from '../../helpers/log-lines.js'

/** A real pino logger (Fastify's own) writing JSON lines into an array, counting the children it makes. */
function capturingLogger (level: string): { logger: FastifyBaseLogger; lines: Array<Record<string, unknown>>; children: () => number } {
  const { stream, lines } = lineCollector()
  const logger = Fastify({ logger: { level, stream } }).log
  let made = 0
  const child = logger.child.bind(logger)
  logger.child = (bindings, options) => { made++; return child(bindings, options) }
  return { logger, lines, children: () => made }
}

test('the request logger makes no child until a line is logged, then one, bound to the request id', () => {
  const { logger, lines, children } = capturingLogger('info')
  const log = lazyChildLogger(logger, { reqId: 'gw_1' }, {})
  assert.equal(children(), 0)
  log.debug('below the level: dropped, and no child made for it')
  assert.equal(children(), 0)
  log.info({ n: 1 }, 'first')
  log.error('second')
  assert.equal(children(), 1)
  assert.deepEqual(lines.map((line) => [line.reqId, line.msg, line.level]), [['gw_1', 'first', 30], ['gw_1', 'second', 50]])
  assert.equal(lines[0]?.n, 1)
  assert.equal(log.level, 'info')
})

test('a request logger with its own level or serialisers is made at once, as Fastify would', () => {
  const { logger, lines, children } = capturingLogger('info')
  const log = lazyChildLogger(logger, { reqId: 'gw_2' }, { level: 'debug' })
  assert.equal(children(), 1)
  log.debug('shown: the child is at debug')
  assert.deepEqual(lines.map((line) => [line.reqId, line.msg]), [['gw_2', 'shown: the child is at debug']])
})
