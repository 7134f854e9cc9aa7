// Every other /v1/* path and method (files, batch results, admin, future endpoints): bodies are
// streamed both ways without buffering, so a 500 MB upload or a large JSONL result never sits in
// memory. Encapsulated so its "do not parse" content-type rule applies only here.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import { pipeline } from 'node:stream/promises'
import { upstreamRequestHeaders, clientResponseHeaders } from '../../upstream/headers.js'
import { toGatewayError } from '../../upstream/transport-errors.js'
import { clientGoneOf } from '../request-context.js'
import { failHijacked, writeRawGatewayError } from '../error-handler.js'
import type { RouteDeps } from '../route-deps.js'
import { plainOutcome } from '../outcome-builder.js'
import { sendContinue } from '../expect-continue.js'

export async function passthroughRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.removeAllContentTypeParsers()
  // Leave the body unread: the handler streams request.raw upstream.
  app.addContentTypeParser('*', function keepStream (_request, _payload, done) { done(null) })

  app.all('/v1/*', async function passThrough (request: FastifyRequest, reply: FastifyReply) {
    const hasBody = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined
    // This route records every outcome itself, and says so before the answer can end: the generic
    // record runs when the response closes, which can come before the code after the pipeline.
    request.gw.hasOutcome = true
    reply.hijack()
    if (hasBody) sendContinue(request.raw)
    const response = await openUpstreamAnswer(request, reply, deps, request.method, hasBody ? request.raw : null)
    if (response === null) return
    try {
      await pipeline(response.body, reply.raw)
    } catch {
      // Client went away or upstream broke mid-body: the abort signal already stopped upstream.
      reply.raw.destroy()
    }
    // Counted also when the body broke off.
    deps.outcomes.record(plainOutcome(request, response.statusCode))
  })
}

/**
 * Sends a hijacked request upstream as it came and writes the answer's status and headers to the
 * client. Null when the client already has its answer (a gateway error), its outcome recorded.
 */
export async function openUpstreamAnswer (
  request: FastifyRequest,
  reply: FastifyReply,
  deps: RouteDeps,
  method: string,
  body: NodeJS.ReadableStream | null
): Promise<Dispatcher.ResponseData | null> {
  let response
  try {
    response = await deps.upstream.request(request.gw.config.upstream, {
      method,
      path: request.url,
      headers: upstreamRequestHeaders(request.headers, { bodyReplaced: false, readsResponse: false }),
      body,
      signal: clientGoneOf(request)
    })
  } catch (err) {
    const gatewayError = toGatewayError(err)
    writeRawGatewayError(reply.raw, request.id, gatewayError)
    deps.outcomes.record(plainOutcome(request, gatewayError.status))
    return null
  }
  try {
    reply.raw.writeHead(response.statusCode, clientResponseHeaders(response.headers, { bodyReplaced: false }))
  } catch (err) {
    // Headers Node refuses to write: the client still gets an answer.
    response.body.destroy()
    failHijacked(request, reply, err)
    deps.outcomes.record(plainOutcome(request, reply.raw.statusCode))
    return null
  }
  return response
}
