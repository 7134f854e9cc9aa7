// Who is calling, decided from the request's headers before a byte of its body is read (an
// onRequest hook): a gateway key (policy file or key store), a passthrough tenant, or nobody in
// particular. Refusals are 401 authentication_error, answered at once: a caller without a valid key
// never makes the gateway buffer or parse its body, never holds any of the body budget, and with
// `Expect: 100-continue` never gets its 100. For a gateway-key request the client's credential is
// swapped for the gateway's upstream key here, so every route forwards the right one without
// knowing about tenants. Every /v1 request of a tenant counts against its requests per minute
// (a preHandler on those routes only), except the two routes that spend tokens and money
// (Messages, batch creation), which reserve their whole cost themselves (admission.ts): on them
// the onRequest hook is the only tenancy work.

import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
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
import { DRAIN_LIMIT_BYTES } from './read-json-body.js'

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
  app.addHook('onRequest', async function authenticateTenant (request, reply) {
    if (!isApiRoute(request.routeOptions.url)) return
    const config = request.gw.config
    if (config.tenants.length === 0 && config.auth.mode === 'passthrough') return
    try {
      await identify(request, config)
    } catch (err) {
      closeIfBodyMayFollow(request, reply)
      throw err
    }
  })

  // The request count needs no body either, but stays after it: a request refused for its body
  // (413, bad JSON) is not counted. Added to the routes that count, so Messages and batch creation
  // run no second tenancy hook.
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!isApiRoute(route.url) || methods.every((method) => OWN_ADMISSION.has(`${method} ${route.url}`))) return
    const own = route.preHandler
    route.preHandler = own === undefined ? countRequest : [countRequest, ...(Array.isArray(own) ? own : [own])]
  })

  async function identify (request: FastifyRequest, config: RuntimeConfig): Promise<void> {
    const outcome = await identifyCaller(request.headers, config, (digest) => storeKey(request, digest), now())
    if (!outcome.ok) {
      // Only policy tenants label metrics (a stored key may name a tenant the policy has since dropped).
      const tenant = outcome.tenant !== null && config.tenants.some((candidate) => candidate.name === outcome.tenant) ? outcome.tenant : 'none'
      metrics?.authFailures.inc({ tenant, reason: outcome.reason })
      request.log.info({ reason: outcome.reason, tenant: outcome.tenant, detail: outcome.message }, 'gateway authentication refused')
      throw new GatewayError('TL_ERR_UNAUTHORIZED', outcome.message)
    }
    request.gw.tenancy = { tenant: outcome.tenant, key: outcome.key, cacheScope: null }
    if (outcome.tenant === null || !outcome.replaceCredential) return
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
  async function countRequest (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (OWN_ADMISSION.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return
    const reservation = await reserve(request, ONE_REQUEST, REQUESTS_ONLY, admissionDeps)
    if (reservation !== null) refuseIfRateLimited(reply, reservation, admissionDeps)
  }

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

/**
 * A refusal answered before the body was read. A client held at `Expect: 100-continue` has its
 * connection closed already (expect-continue.ts). Otherwise Node reads and discards the rest of
 * the body after the answer (nothing is buffered, nothing taken from the body budget) and keeps
 * the connection, so the client reads its 401 instead of a reset mid-upload; a body longer than
 * DRAIN_LIMIT_BYTES, or of unknown length (chunked), is not waited for: the connection closes.
 */
function closeIfBodyMayFollow (request: FastifyRequest, reply: FastifyReply): void {
  const { headers } = request
  const length = headers['content-length']
  const unbounded = headers['transfer-encoding'] !== undefined || (length !== undefined && !(Number(length) <= DRAIN_LIMIT_BYTES))
  if (unbounded) reply.header('connection', 'close')
}
