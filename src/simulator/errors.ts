// Pure. Anthropic's error envelope, with the error.type the real API uses per status.
// Other 4xx map to invalid_request_error, other 5xx to api_error.

const TYPES: Readonly<Record<number, { type: string; message: string }>> = {
  400: { type: 'invalid_request_error', message: 'The request is invalid (simulated).' },
  401: { type: 'authentication_error', message: 'invalid x-api-key (simulated)' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API (simulated).' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource (simulated).' },
  404: { type: 'not_found_error', message: 'The requested resource could not be found (simulated).' },
  409: { type: 'conflict_error', message: 'Conflict (simulated).' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes (simulated).' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit (simulated).' },
  500: { type: 'api_error', message: 'Internal server error (simulated).' },
  504: { type: 'timeout_error', message: 'Request timed out (simulated).' },
  529: { type: 'overloaded_error', message: 'Overloaded (simulated).' }
}

export function errorType (status: number): string {
  return TYPES[status]?.type ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
}

export function errorBody (status: number, requestId: string, message?: string): string {
  const known = TYPES[status] ?? (status >= 500 ? TYPES[500] : TYPES[400])
  return JSON.stringify({ type: 'error', error: { type: errorType(status), message: message ?? known?.message ?? 'error' }, request_id: requestId })
}

/** The `event: error` frame sent mid-stream (after a 200), as the real API does on overload. */
export const OVERLOADED_EVENT = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
