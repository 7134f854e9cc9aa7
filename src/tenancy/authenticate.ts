// Pure. Who a request is and whose credential goes upstream, from what the edges looked up: the
// gateway key its credential hashes to (policy file or key store), and the tenant its headers or
// credential hash assign (passthrough tenants). Every refusal is a 401 in Anthropic's shape.

import type { AuthMode, TenantConfig } from '../config/types.js'
import type { KeyRecord } from './keys.js'
import { keyStatus, looksLikeGatewayKey } from './keys.js'

export type AuthFailure = 'missing_credential' | 'unknown_key' | 'expired_key' | 'revoked_key' | 'gateway_key_required' | 'tenant_not_configured'

export const AUTH_FAILURES: readonly AuthFailure[] = ['missing_credential', 'unknown_key', 'expired_key', 'revoked_key', 'gateway_key_required', 'tenant_not_configured']

export type AuthOutcome =
  | { ok: true; tenant: TenantConfig | null; key: KeyRecord | null; /** Send the gateway's upstream key instead of the client's. */ replaceCredential: boolean }
  | { ok: false; reason: AuthFailure; message: string; tenant: string | null }

export interface AuthInput {
  credential: string | null
  /** The gateway key the credential hashes to, if any. */
  key: KeyRecord | null
  /** The tenant resolveTenant assigns (headers or credential hash), if any. */
  matchedTenant: TenantConfig | null
  mode: AuthMode
  tenants: readonly TenantConfig[]
  nowMs: number
}

export function authenticate (input: AuthInput): AuthOutcome {
  const { key } = input
  if (key !== null) {
    const status = keyStatus(key, input.nowMs)
    if (status === 'expired') return fail('expired_key', `The gateway key ${key.id} has expired.`, key.tenant)
    if (status === 'revoked') return fail('revoked_key', `The gateway key ${key.id} has been revoked.`, key.tenant)
    const tenant = input.tenants.find((candidate) => candidate.name === key.tenant)
    if (tenant === undefined || tenant.auth !== 'gateway_keys') {
      return fail('tenant_not_configured', `The gateway key ${key.id} belongs to tenant "${key.tenant}", which is not configured for gateway keys.`, null)
    }
    return { ok: true, tenant, key, replaceCredential: true }
  }
  if (input.credential !== null && looksLikeGatewayKey(input.credential)) return fail('unknown_key', 'Invalid gateway key.', null)
  const tenant = input.matchedTenant
  if (tenant !== null && tenant.auth === 'gateway_keys') {
    return fail('gateway_key_required', `Tenant "${tenant.name}" requires a gateway-issued key (x-api-key or Authorization: Bearer).`, tenant.name)
  }
  if (input.mode === 'gateway_keys' && tenant === null) {
    if (input.credential === null) return fail('missing_credential', 'A gateway-issued key is required (x-api-key or Authorization: Bearer).', null)
    return fail('gateway_key_required', 'This gateway accepts only its own keys; the credential is not one of them.', null)
  }
  return { ok: true, tenant, key: null, replaceCredential: false }
}

function fail (reason: AuthFailure, message: string, tenant: string | null): AuthOutcome {
  return { ok: false, reason, message, tenant }
}
