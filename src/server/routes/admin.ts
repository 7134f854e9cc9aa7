// The admin API under /admin, behind ADMIN_TOKEN (adminGuard: 404 while unset, 401 without the
// token): gateway keys (issue, list, rotate, revoke), tenants with their spend and remaining
// budget, and a policy reload. Keys are shown once, when issued; only their hashes are stored.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Checker } from '../../config/checker.js'
import { compileLimits } from '../../config/compile-tenants.js'
import type { ConfigIssue } from '../../config/issues.js'
import type { RuntimeConfig, TenantConfig } from '../../config/types.js'
import { GatewayError } from '../../errors.js'
import { parseJsonBody } from '../../messages/parse-request.js'
import type { Tenancy } from '../../tenancy/create-tenancy.js'
import type { KeyRecord } from '../../tenancy/keys.js'
import { newKey } from '../../tenancy/keys.js'
import { StoreUnavailable } from '../../tenancy/limit-store.js'
import { NO_LIMITS, spendPeriods } from '../../tenancy/limits.js'
import { keyView, limitsView, spendView } from '../../tenancy/views.js'
import { isRecord } from '../../types/anthropic.js'
import { adminGuard } from '../admin-guard.js'

export interface AdminRouteOptions {
  adminToken: string | null
  getConfig: () => RuntimeConfig
  tenancy: Tenancy | null
  now: () => number
  /** Reloads the policy file now; absent when the app has no file to reload (tests). */
  reloadConfig?: (() => Promise<{ result: 'success' | 'failure'; issues: readonly ConfigIssue[] }>) | undefined
}

export async function adminRoutes (app: FastifyInstance, options: AdminRouteOptions): Promise<void> {
  const { getConfig, now } = options
  app.addHook('onRequest', adminGuard(options.adminToken))

  const tenancy = (): Tenancy => {
    if (options.tenancy === null) throw new GatewayError('TL_ERR_NOT_FOUND', 'Tenancy is not enabled on this gateway.')
    return options.tenancy
  }
  const storeCall = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (err) {
      if (err instanceof StoreUnavailable) throw new GatewayError('TL_ERR_LIMITS_UNAVAILABLE', 'The key and limits store (Redis) is unavailable; retry shortly.')
      throw err
    }
  }
  const allKeys = async (config: RuntimeConfig): Promise<KeyRecord[]> => {
    const stored = await storeCall(() => tenancy().keys.list())
    return [...config.tenants.flatMap((tenant) => tenant.keys), ...stored]
  }

  app.get('/admin/tenants', async function listTenants (_request, reply) {
    const config = getConfig()
    const periods = spendPeriods(now())
    const keys = await allKeys(config)
    const tenants = []
    for (const tenant of config.tenants) {
      const own = keys.filter((key) => key.tenant === tenant.name)
      const spend = await storeCall(() => tenancy().limits.spend(tenant.name, own.map((key) => key.id), periods))
      tenants.push({
        name: tenant.name,
        auth: tenant.auth,
        on_store_unavailable: tenant.onStoreUnavailable,
        limits: limitsView(tenant.limits),
        budget: { on_exceeded: tenant.budget.onExceeded, downgrade_to: tenant.budget.downgradeTo, downgrade_at: tenant.budget.downgradeAt, alert_at: tenant.budget.alertAt },
        spend: spendView(periods, spend.tenant, tenant.limits),
        keys: own.map((key) => ({ ...keyView(key, now()), spend: spendView(periods, spend.keys.get(key.id) ?? { dayPico: 0n, monthPico: 0n }, key.limits) }))
      })
    }
    return reply.header('cache-control', 'no-store').send({ store: tenancy().limits.kind, tenants })
  })

  app.get('/admin/keys', async function listKeys (request, reply) {
    const tenant = (request.query as Record<string, string | undefined>).tenant
    const keys = (await allKeys(getConfig())).filter((key) => tenant === undefined || key.tenant === tenant)
    return reply.header('cache-control', 'no-store').send({ keys: keys.map((key) => keyView(key, now())) })
  })

  app.post('/admin/keys', async function issueKey (request, reply) {
    const body = jsonObject(request)
    const tenant = gatewayKeyTenant(getConfig(), body.tenant)
    const check = new Checker()
    const limits = body.limits === undefined ? NO_LIMITS : compileLimits(body.limits, 'limits', check)
    const labels = labelsOf(body.labels, check)
    const expiresAtMs = expiryOf(body.expires_at, check)
    for (const key of Object.keys(body)) if (!['tenant', 'labels', 'expires_at', 'limits'].includes(key)) check.add(key, 'unknown field (tenant, labels, expires_at, limits)')
    if (check.issues.length > 0) throw new GatewayError('TL_ERR_INVALID_REQUEST', check.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '))
    const issued = await issue(tenancy(), { tenant: tenant.name, labels, expiresAtMs, limits }, now())
    return reply.code(201).header('cache-control', 'no-store').send(issued)
  })

  app.post('/admin/keys/:id/rotate', async function rotateKey (request, reply) {
    const old = await storedKey(tenancy(), getConfig(), (request.params as { id: string }).id)
    const body = request.body === undefined || request.body === '' ? {} : jsonObject(request)
    const grace = body.grace_seconds ?? 0
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0) throw new GatewayError('TL_ERR_INVALID_REQUEST', 'grace_seconds: must be a whole number of seconds ≥ 0.')
    gatewayKeyTenant(getConfig(), old.tenant)
    const issued = await issue(tenancy(), { tenant: old.tenant, labels: old.labels, expiresAtMs: old.expiresAtMs, limits: old.limits }, now())
    // The old key keeps working for the grace period, so clients can switch without an outage.
    await revoke(tenancy(), old, now() + grace * 1000)
    return reply.code(201).header('cache-control', 'no-store').send({ ...issued, replaces: old.id, old_key_revoked_at: new Date(now() + grace * 1000).toISOString() })
  })

  app.delete('/admin/keys/:id', async function revokeKey (request, reply) {
    const key = await storedKey(tenancy(), getConfig(), (request.params as { id: string }).id)
    await revoke(tenancy(), key, now())
    const revoked = await storeCall(() => tenancy().keys.findById(key.id))
    return reply.header('cache-control', 'no-store').send(keyView(revoked ?? key, now()))
  })

  app.post('/admin/reload', async function reload (_request, reply) {
    if (options.reloadConfig === undefined) throw new GatewayError('TL_ERR_NOT_FOUND', 'This gateway has no policy file to reload.')
    const { result, issues } = await options.reloadConfig()
    return reply.code(result === 'success' ? 200 : 422).send({ result, issues })
  })

  async function storedKey (store: Tenancy, config: RuntimeConfig, id: string): Promise<KeyRecord> {
    if (config.tenants.some((tenant) => tenant.keys.some((key) => key.id === id))) {
      throw new GatewayError('TL_ERR_INVALID_REQUEST', `Key ${id} is defined in the policy file; remove it there (and reload) instead.`)
    }
    const key = await storeCall(() => store.keys.findById(id))
    if (key === null) throw new GatewayError('TL_ERR_NOT_FOUND', `No key ${id}.`)
    return key
  }

  async function issue (store: Tenancy, fields: Pick<KeyRecord, 'tenant' | 'labels' | 'expiresAtMs' | 'limits'>, nowMs: number) {
    const { secret, id, sha256 } = newKey()
    const record: KeyRecord = { id, sha256, createdAtMs: nowMs, revokedAtMs: null, source: 'admin', ...fields }
    await storeCall(() => store.keys.save(record))
    return { ...keyView(record, nowMs), key: secret }
  }

  async function revoke (store: Tenancy, key: KeyRecord, atMs: number): Promise<void> {
    await storeCall(() => store.keys.save({ ...key, revokedAtMs: Math.min(atMs, key.revokedAtMs ?? Infinity) }))
    store.forget(key.sha256)
  }
}

function jsonObject (request: FastifyRequest): Record<string, unknown> {
  const json = parseJsonBody(typeof request.body === 'string' ? request.body : '')
  if (!isRecord(json)) throw new GatewayError('TL_ERR_INVALID_REQUEST', 'The body must be a JSON object.')
  return json
}

function gatewayKeyTenant (config: RuntimeConfig, name: unknown): TenantConfig {
  if (typeof name !== 'string' || name === '') throw new GatewayError('TL_ERR_INVALID_REQUEST', 'tenant: required (a tenant of the policy with auth: gateway_keys).')
  const tenant = config.tenants.find((candidate) => candidate.name === name)
  if (tenant === undefined) throw new GatewayError('TL_ERR_INVALID_REQUEST', `tenant: "${name}" is not a tenant of the policy.`)
  if (tenant.auth !== 'gateway_keys') throw new GatewayError('TL_ERR_INVALID_REQUEST', `tenant: "${name}" uses auth: ${tenant.auth}; keys can be issued only for gateway_keys tenants.`)
  return tenant
}

function labelsOf (raw: unknown, check: Checker): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const [name, value] of Object.entries(check.map(raw, 'labels') ?? {})) {
    const text = check.string(value, `labels.${name}`)
    if (text !== null) labels[name] = text
  }
  return labels
}

function expiryOf (raw: unknown, check: Checker): number | null {
  if (raw === undefined || raw === null) return null
  const ms = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN
  if (Number.isNaN(ms)) check.add('expires_at', 'must be an ISO 8601 date-time such as 2027-01-01T00:00:00Z')
  return Number.isNaN(ms) ? null : ms
}
