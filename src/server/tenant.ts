// Pure. Which configured tenant a request belongs to: by a credential hash or a header value.
// Returns only configured names, so the metrics label stays bounded.

import { credentialDigest } from '../credential-digest.js'
import type { TenantConfig } from '../config/types.js'
import { credentialOf, headerValue } from '../upstream/headers.js'
import type { HeaderMap } from '../upstream/headers.js'

/** What resolveTenant reads of a tenant. */
export type TenantMatch = Pick<TenantConfig, 'name' | 'credentialSha256' | 'headers'>

export function resolveTenant (headers: HeaderMap, tenants: readonly TenantMatch[]): string | null {
  if (tenants.length === 0) return null
  let digest: string | null | undefined
  for (const tenant of tenants) {
    for (const name in tenant.headers) {
      if (headerValue(headers, name) === tenant.headers[name]) return tenant.name
    }
    if (tenant.credentialSha256.length > 0) {
      if (digest === undefined) {
        const credential = credentialOf(headers)
        digest = credential === null ? null : credentialDigest(credential)
      }
      if (digest !== null && tenant.credentialSha256.includes(digest)) return tenant.name
    }
  }
  return null
}
