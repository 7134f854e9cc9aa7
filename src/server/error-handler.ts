// The only writer of the gateway's own error bodies: Anthropic's envelope, the right status, a
// request_id, and `x-should-retry: false` where retrying cannot help (the SDKs obey it first).

import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '../errors.js'
import { GatewayError, errorEnvelope, isGatewayError } from '../errors.js'
import { redactCredentials } from '../redact.js'
import { RefusedBody } from './read-json-body.js'

/** Fastify's own errors, as the client's mistakes they are. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'TL_ERR_BODY_TOO_LARGE', message: 'The request body is larger than the gateway accepts.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'TL_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content-type; send application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'TL_ERR_INVALID_JSON', message: 'The request body is empty; expected a JSON object.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'TL_ERR_INVALID_REQUEST', message: 'The content-length header does not match the body.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'TL_ERR_INVALID_JSON', message: 'The request body is not valid JSON.' }
}

export function toGatewayErrorFromAny (err: unknown): GatewayError {
  if (isGatewayError(err)) return err
  const fastifyCode = (err as FastifyError | null)?.code
  const mapped = fastifyCode === undefined ? undefined : FASTIFY_CODES[fastifyCode]
  if (mapped !== undefined) return new GatewayError(mapped.code, mapped.message, { cause: err })
  const status = (err as FastifyError | null)?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GatewayError('TL_ERR_INVALID_REQUEST', (err as Error).message, { cause: err })
  }
  return new GatewayError('TL_ERR_INTERNAL', 'The gateway failed to handle the request.', { cause: err })
}

export function sendGatewayError (reply: FastifyReply, requestId: string, err: GatewayError): FastifyReply {
  reply.code(err.status).header('content-type', 'application/json').header('x-gateway-request-id', requestId)
  if (!err.retryable) reply.header('x-should-retry', 'false')
  if (err.retryAfterSeconds !== null) reply.header('retry-after', String(err.retryAfterSeconds))
  // Room in the body budget comes back as soon as other answers are over.
  else if (err.code === 'TL_ERR_BUSY') reply.header('retry-after', '1')
  return reply.send(errorEnvelope(err.type, err.message, requestId))
}

/** Writes a gateway error to a reply whose headers were already taken over (hijacked). */
export function writeRawGatewayError (raw: FastifyReply['raw'], requestId: string, err: GatewayError): void {
  if (raw.headersSent || raw.destroyed) return
  // A writeHead that threw half way (after a setHeader) leaves the headers it set before the bad one
  // behind, the answer's length among them: none of them belong to this answer.
  for (const name of raw.getHeaderNames()) raw.removeHeader(name)
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-gateway-request-id': requestId }
  if (!err.retryable) headers['x-should-retry'] = 'false'
  if (err.retryAfterSeconds !== null) headers['retry-after'] = String(err.retryAfterSeconds)
  raw.writeHead(err.status, headers)
  raw.end(errorEnvelope(err.type, err.message, requestId))
}

/**
 * The error handler of a route that took its reply over (hijacked): Fastify neither answers nor
 * calls the error handler for it, so an error thrown after the takeover would leave the client
 * waiting forever. Before any byte went out the client gets the gateway error; after, the
 * connection is cut, which every client reads as a broken answer.
 */
export function failHijacked (request: FastifyRequest, reply: FastifyReply, err: unknown): void {
  const gatewayError = toGatewayErrorFromAny(err)
  if (gatewayError.status >= 500) logFailure(request, gatewayError, err, 'request failed after the reply was taken over')
  const raw = reply.raw
  if (!raw.headersSent) writeRawGatewayError(raw, request.id, gatewayError)
  else if (!raw.writableEnded) raw.destroy()
}

/**
 * What Node's HTTP parser refuses (a malformed request line or header, headers too large, a
 * request that took too long to arrive) never reaches a route: answered here in Anthropic's shape.
 */
export function answerClientError (err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  // An answer already under way on this connection (a pass-through upload that outlived the
  // request timeout while its response streams): another status line would corrupt it; cut it.
  if ((socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent === true) {
    socket.destroy()
    return
  }
  const [status, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'The request headers are larger than the gateway accepts.']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request did not arrive in time.']
      : [400, 'The request is not well-formed HTTP.']
  const body = errorEnvelope('invalid_request_error', message, null)
  // A request that was too slow to arrive may well arrive the next time (the SDKs retry a 408).
  const retry = status === 408 ? '' : 'x-should-retry: false\r\n'
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${retry}connection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

/**
 * An upstream that cannot be reached, times out or answers garbage is the upstream's trouble, and
 * during an outage it is every request's: one line each, with the cause (`connect ECONNREFUSED
 * 10.0.0.5:443`), no stack. A stack is logged for the gateway's own failures, where it helps.
 */
function logFailure (request: FastifyRequest, gatewayError: GatewayError, err: unknown, message: string): void {
  if (UPSTREAM_CODES.has(gatewayError.code)) {
    request.log.error({ code: gatewayError.code, error: gatewayError.message, cause: redactCredentials(causeText(err)) }, message)
  } else {
    request.log.error({ err }, message)
  }
}

const UPSTREAM_CODES = new Set<ErrorCode>(['TL_ERR_UPSTREAM_CONNECT', 'TL_ERR_UPSTREAM_TIMEOUT', 'TL_ERR_UPSTREAM_PROTOCOL'])

/** The innermost cause's message and code: what actually failed. */
function causeText (err: unknown): string {
  let at: unknown = err
  for (let depth = 0; depth < 5; depth++) {
    const cause = (at as { cause?: unknown } | null)?.cause
    if (cause === undefined || cause === null || cause === at) break
    at = cause
  }
  if (!(at instanceof Error)) return String(at)
  const code = (at as { code?: unknown }).code
  return typeof code === 'string' && !at.message.includes(code) ? `${at.message} (${code})` : at.message
}

export function registerErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const gatewayError = toGatewayErrorFromAny(err)
    // A client that went away aborted its own request: not a gateway failure, nobody to answer.
    // (request.raw is destroyed as soon as its body has been read, so only the socket we answer
    // on tells whether anyone is listening.)
    if (reply.raw.destroyed) {
      request.log.debug({ code: gatewayError.code }, 'client went away')
      return reply
    }
    if (gatewayError.status >= 500 && gatewayError.code !== 'TL_ERR_BUSY') logFailure(request, gatewayError, err, 'request failed')
    else request.log.debug({ code: gatewayError.code }, gatewayError.message)
    // Fastify closes the connection after a refused body; one read to its end leaves it usable.
    if (err instanceof RefusedBody && err.drained) reply.removeHeader('connection')
    return sendGatewayError(reply, request.id, gatewayError)
  })
  app.setNotFoundHandler((request, reply) => {
    return sendGatewayError(reply, request.id, new GatewayError('TL_ERR_NOT_FOUND', `Not found: ${request.method} ${request.url.split('?')[0] ?? ''}`))
  })
}
