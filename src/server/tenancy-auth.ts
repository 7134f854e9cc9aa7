// Who is calling, before any /v1 route runs: a gateway key (policy file or key store), a
// passthrough tenant, or nobody in particular. Refusals are 401 authentication_error; for a
// gateway-key request the client's credential is swapped for the gateway's upstream key here, so
// every route forwards the right one without knowing about tenants. Every /v1 request of a tenant
// counts against its requests per minute here too, except the two routes that spend tokens and
// money (Messages, batch creation), which reserve their whole cost themselves (admission.ts).

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { credentialDigest } from '../credential-digest.js'
import { GatewayError } from '../errors.js'
import type { Metrics } from '../metrics/registry.js'
import { authenticate } from '../tenancy/authenticate.js'
import type { Tenancy } from '../tenancy/create-tenancy.js'
import type { KeyRecord } from '../tenancy/keys.js'
import { looksLikeGatewayKey } from '../tenancy/keys.js'
import { StoreUnavailable } from '../tenancy/limit-store.js'
import { describeSecret, replaceCredential } from '../tenancy/upstream-credential.js'
import { credentialOf } from '../upstream/headers.js'
import type { HeaderMap } from '../upstream/headers.js'
import type { RuntimeConfig } from '../config/types.js'
import type { AuthOutcome } from '../tenancy/authenticate.js'
import { resolveTenant } from './tenant.js'
import { REQUESTS_ONLY, refuseIfRateLimited, reserve } from './admission.js'

export interface TenancyAuthOptions {
  tenancy: Tenancy
  metrics: Metrics | null
  now: () => number
}

/** Operational and gateway-own endpoints are not API traffic (explain, admin, health, metrics). */
function isApiRoute (url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/v1/') && !url.startsWith('/v1/gateway/')
}

/** Routes that admit their own cost (requests, tokens and budgets): `METHOD url-pattern`. */
const OWN_ADMISSION = new Set(['POST /v1/messages', 'POST /v1/messages/batches'])
const ONE_REQUEST = { requests: 1, inputTokens: 0, outputTokens: 0 }

/** The gateway key the credential is (policy file, else the key store for `tlk-` credentials), then authenticate(). */
export async function identifyCaller (headers: HeaderMap, config: RuntimeConfig, findStoreKey: (sha256: string) => Promise<KeyRecord | null>, nowMs: number): Promise<AuthOutcome> {
  const credential = credentialOf(headers)
  const digest = credential === null ? null : credentialDigest(credential)
  let key: KeyRecord | null = digest === null ? null : config.keysBySha256.get(digest) ?? null
  if (key === null && digest !== null && credential !== null && looksLikeGatewayKey(credential)) key = await findStoreKey(digest)
  const matched = key === null ? resolveTenant(headers, config.tenants) : null
  return authenticate({
    credential,
    key,
    matchedTenant: matched === null ? null : config.tenants.find((tenant) => tenant.name === matched) ?? null,
    mode: config.auth.mode,
    tenants: config.tenants,
    nowMs
  })
}

export function registerTenancyAuth (app: FastifyInstance, options: TenancyAuthOptions): void {
  const { tenancy, metrics, now } = options
  const admissionDeps = { tenancy, metrics, now }
  app.addHook('preHandler', async function authenticateTenant (request, reply) {
    if (!isApiRoute(request.routeOptions.url)) return
    const config = request.gw.config
    if (config.tenants.length === 0 && config.auth.mode === 'passthrough') return
    const outcome = await identifyCaller(request.headers, config, (digest) => storeKey(request, digest), now())
    if (!outcome.ok) {
      // Only policy tenants label metrics (a stored key may name a tenant the policy has since dropped).
      const tenant = outcome.tenant !== null && config.tenants.some((candidate) => candidate.name === outcome.tenant) ? outcome.tenant : 'none'
      metrics?.authFailures.inc({ tenant, reason: outcome.reason })
      request.log.info({ reason: outcome.reason, tenant: outcome.tenant, detail: outcome.message }, 'gateway authentication refused')
      throw new GatewayError('TL_ERR_UNAUTHORIZED', outcome.message)
    }
    request.gw.tenancy = { tenant: outcome.tenant, key: outcome.key, cacheScope: null }
    if (outcome.tenant === null) return
    if (outcome.replaceCredential) {
      const ref = outcome.tenant.upstreamKey ?? config.auth.upstreamKey
      const upstreamKey = tenancy.secrets.read(ref)
      if (upstreamKey === null) {
        request.log.error({ tenant: outcome.tenant.name, source: describeSecret(ref) }, 'no upstream key for a gateway-key tenant')
        throw new GatewayError('TL_ERR_UPSTREAM_KEY_MISSING', `The gateway has no upstream API key for tenant "${outcome.tenant.name}" (${describeSecret(ref)} is unset or empty).`)
      }
      replaceCredential(request.headers, upstreamKey)
      request.gw.tenancy.cacheScope = `tenant:${outcome.tenant.name}`
    }
    // Only a tenant (or key) with a requests-per-minute limit costs a store round trip here;
    // count_tokens, models, files and the other batch routes spend nothing, so no budget is read.
    if (OWN_ADMISSION.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return
    const reservation = await reserve(request, ONE_REQUEST, REQUESTS_ONLY, admissionDeps)
    if (reservation !== null) refuseIfRateLimited(reply, reservation, admissionDeps)
  })

  async function storeKey (request: FastifyRequest, digest: string): Promise<KeyRecord | null> {
    try {
      return await tenancy.findKey(digest)
    } catch (err) {
      if (!(err instanceof StoreUnavailable)) throw err
      // The key's tenant (and so its fail mode) is what the store would have said: unknown.
      metrics?.limitStoreFailures.inc({ tenant: 'none', mode: 'fail_closed' })
      request.log.warn({ err: err.message }, 'key store unavailable; an admin-issued key cannot be checked')
      throw new GatewayError('TL_ERR_LIMITS_UNAVAILABLE', 'The gateway cannot check this key right now (key store unavailable); retry shortly.')
    }
  }
}
