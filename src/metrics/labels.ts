// Pure. Bounded label values: models only from the catalog (canonical id) or the policy's virtual
// models, rules and tenants only from the config; anything else becomes `other` (or `none`).

import type { RuntimeConfig } from '../config/types.js'

export function modelLabel (model: string | null, config: RuntimeConfig): string {
  if (model === null || model === '') return 'none'
  const known = config.catalog.resolve(model)
  if (known !== undefined) return known.id
  return config.policy.virtualModels.some((virtual) => virtual.id === model) ? model : 'other'
}

export function ruleLabel (rule: string | null, config: RuntimeConfig): string {
  if (rule === null) return 'none'
  return config.policy.ruleNames.includes(rule) ? rule : 'other'
}

export function tenantLabel (tenant: string | null): string {
  // resolveTenant only ever returns configured names.
  return tenant ?? 'none'
}

export function statusClass (status: number): string {
  if (status >= 200 && status < 300) return '2xx'
  if (status >= 300 && status < 400) return '3xx'
  if (status >= 400 && status < 500) return '4xx'
  if (status >= 500 && status < 600) return '5xx'
  return 'other'
}

const KNOWN_ERROR_TYPES = new Set([
  'invalid_request_error', 'authentication_error', 'billing_error', 'permission_error', 'not_found_error',
  'request_too_large', 'rate_limit_error', 'api_error', 'timeout_error', 'overloaded_error',
  'timeout', 'connect_error', 'protocol_error', 'stream_error', 'stream_truncated', 'client_closed'
])

export function errorTypeLabel (type: string): string {
  return KNOWN_ERROR_TYPES.has(type) ? type : 'other'
}

/**
 * The `code` of an upstream error: the HTTP status the client got, or `stream_error` when the error
 * came after a 2xx had begun (a stream cut or an `event: error` mid-stream): "200" there would read
 * as a success.
 */
export function errorCodeLabel (status: number): string {
  return status >= 200 && status < 300 ? 'stream_error' : String(status)
}
