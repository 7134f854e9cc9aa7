// The gateway's own errors: one table of stable codes. Upstream HTTP errors are never turned into
// these; they are forwarded byte for byte. Only server/error-handler.ts writes their bodies.

export interface ErrorSpec {
  status: number
  /** Anthropic `error.type`. */
  type: string
  /** Whether a client retry can help; false adds `x-should-retry: false`. */
  retryable: boolean
}

export const ERRORS = {
  TL_ERR_INVALID_JSON: { status: 400, type: 'invalid_request_error', retryable: false },
  TL_ERR_INVALID_REQUEST: { status: 400, type: 'invalid_request_error', retryable: false },
  TL_ERR_BODY_TOO_LARGE: { status: 413, type: 'request_too_large', retryable: false },
  TL_ERR_INVALID_PATH: { status: 400, type: 'invalid_request_error', retryable: false },
  TL_ERR_TOO_DEEP: { status: 400, type: 'invalid_request_error', retryable: false },
  /** The gateway holds as many request bodies as its buffer budget allows: another moment will do. */
  TL_ERR_BUSY: { status: 503, type: 'overloaded_error', retryable: true },
  TL_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error', retryable: false },
  TL_ERR_NOT_FOUND: { status: 404, type: 'not_found_error', retryable: false },
  TL_ERR_METHOD_NOT_ALLOWED: { status: 405, type: 'invalid_request_error', retryable: false },
  TL_ERR_UNAUTHORIZED: { status: 401, type: 'authentication_error', retryable: false },
  TL_ERR_RATE_LIMITED: { status: 429, type: 'rate_limit_error', retryable: true },
  // Like the API's spend-cap 429: retrying does not help until the budget period turns over.
  TL_ERR_BUDGET_EXCEEDED: { status: 429, type: 'rate_limit_error', retryable: false },
  TL_ERR_LIMITS_UNAVAILABLE: { status: 503, type: 'api_error', retryable: true },
  TL_ERR_UPSTREAM_KEY_MISSING: { status: 500, type: 'api_error', retryable: false },
  TL_ERR_MODEL_UNAVAILABLE: { status: 400, type: 'invalid_request_error', retryable: false },
  TL_ERR_UPSTREAM_CONNECT: { status: 502, type: 'api_error', retryable: true },
  TL_ERR_UPSTREAM_TIMEOUT: { status: 504, type: 'api_error', retryable: true },
  TL_ERR_UPSTREAM_PROTOCOL: { status: 502, type: 'api_error', retryable: true },
  /** Every candidate model's circuit breaker is open (or the retry budget is spent): the answer the API gives when overloaded. */
  TL_ERR_UPSTREAM_UNAVAILABLE: { status: 529, type: 'overloaded_error', retryable: true },
  TL_ERR_SHUTTING_DOWN: { status: 503, type: 'api_error', retryable: true },
  TL_ERR_INTERNAL: { status: 500, type: 'api_error', retryable: true }
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly type: string
  readonly retryable: boolean
  /** Sent as `retry-after` (whole seconds) when set. */
  readonly retryAfterSeconds: number | null

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options)
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null
    const spec: ErrorSpec = ERRORS[code]
    this.name = 'GatewayError'
    this.code = code
    this.status = spec.status
    this.type = spec.type
    this.retryable = spec.retryable
  }
}

export function isGatewayError (err: unknown): err is GatewayError {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code in ERRORS
}

/** The Anthropic error envelope; `requestId` is null only for what never became a request (malformed HTTP). */
export function errorEnvelope (type: string, message: string, requestId: string | null): string {
  if (requestId === null) return JSON.stringify({ type: 'error', error: { type, message } })
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId })
}
