// Pure. Maps an undici transport failure to the gateway's error code (upstream HTTP errors are
// not failures: they are forwarded as they are). Branch on err.code, never on class identity.

import { GatewayError } from '../errors.js'

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'EPIPE'])

export type TransportFailure = 'timeout' | 'connect_error' | 'protocol_error'

function codeOf (err: unknown): string | undefined {
  const direct = (err as { code?: unknown } | null)?.code
  if (typeof direct === 'string') return direct
  const cause = (err as { cause?: unknown } | null)?.cause
  return cause !== undefined && cause !== err ? codeOf(cause) : undefined
}

export function classifyTransportError (err: unknown): TransportFailure {
  const code = codeOf(err)
  // Already mapped by toGatewayError.
  if (code === 'TL_ERR_UPSTREAM_TIMEOUT') return 'timeout'
  if (code === 'TL_ERR_UPSTREAM_CONNECT') return 'connect_error'
  if (code !== undefined && TIMEOUT_CODES.has(code)) return 'timeout'
  if (code !== undefined && CONNECT_CODES.has(code)) return 'connect_error'
  return 'protocol_error'
}

/** `during: 'body'` when the answer had begun: the connection was reached, then lost. */
export function toGatewayError (err: unknown, during: 'request' | 'body' = 'request'): GatewayError {
  switch (classifyTransportError(err)) {
    case 'timeout':
      return new GatewayError('TL_ERR_UPSTREAM_TIMEOUT', during === 'body' ? 'The upstream API stopped sending its answer.' : 'The upstream API did not answer in time.', { cause: err })
    case 'connect_error':
      return new GatewayError('TL_ERR_UPSTREAM_CONNECT', during === 'body' ? 'The upstream connection was lost mid-answer.' : 'The upstream API could not be reached.', { cause: err })
    default:
      return new GatewayError('TL_ERR_UPSTREAM_PROTOCOL', 'The upstream API sent an invalid response.', { cause: err })
  }
}
