// The gate in front of every admin surface (policy explain, and the /admin API): disabled (404, as
// if the route did not exist) while ADMIN_TOKEN is unset, 401 without the right bearer token.
// Admin endpoints reveal rules, routing header values and tenants, so they are never open.

import type { FastifyRequest } from 'fastify'
import { GatewayError } from '../errors.js'
import { bearerTokenMatches } from './bearer-token.js'

export function adminGuard (adminToken: string | null): (request: FastifyRequest) => Promise<void> {
  return async function requireAdminToken (request) {
    if (adminToken === null) {
      throw new GatewayError('TL_ERR_NOT_FOUND', `Not found: ${request.method} ${request.url.split('?')[0] ?? ''} (admin endpoints are disabled: set ADMIN_TOKEN).`)
    }
    if (!bearerTokenMatches(request.headers.authorization, adminToken)) {
      throw new GatewayError('TL_ERR_UNAUTHORIZED', 'Admin endpoints require Authorization: Bearer <ADMIN_TOKEN>.')
    }
  }
}
