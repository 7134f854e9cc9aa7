// GET /v1/messages/batches/{id}/results: the JSONL streams through to the client untouched while
// each line is priced as it passes (never buffered whole). The spend is recorded only when the
// whole file came through, and only the first time a batch id is priced: the id is marked in the
// cache store (Redis or memory, shared by every instance on Redis) for as long as results are kept.
// With tenants, the spend is also charged to the budgets of the tenant and key that created the
// batch (recorded at creation), once per batch id in the limits store (chargeBatch).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { openUpstreamAnswer } from './passthrough.js'
import type { RouteDeps } from '../route-deps.js'
import { isoDateOf, plainOutcome } from '../outcome-builder.js'
import { resolveTenant } from '../tenant.js'
import { LineSplitter, addBatchLine, newBatchSpend } from '../../pricing/batch-results.js'
import type { BatchSpend } from '../../pricing/batch-results.js'
import type { BatchOwner, ScopeRef } from '../../tenancy/limit-store.js'
import { NO_LIMITS, spendPeriods } from '../../tenancy/limits.js'
import { recordBudgetUse } from '../admission.js'
import type { Tenancy } from '../../tenancy/create-tenancy.js'

/** Anthropic keeps batch results 29 days (Message Batches docs): a re-download within them is not new spend. */
export const PRICED_BATCH_TTL_SECONDS = 29 * 24 * 3600

/** Process-local marks when the gateway runs without a cache store (bounded, expiring). */
function localMarks (): (key: string, ttlSeconds: number) => Promise<boolean> {
  const marks = new Map<string, number>()
  return async (key, ttlSeconds) => {
    const now = Date.now()
    const until = marks.get(key)
    if (until !== undefined && until > now) return false
    if (marks.size >= 100_000) for (const [k, t] of marks) if (t <= now) marks.delete(k)
    marks.set(key, now + ttlSeconds * 1000)
    return true
  }
}

export async function batchResultsRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const local = localMarks()
  const markOnce = (key: string): Promise<boolean> =>
    deps.cache !== null ? deps.cache.markOnce(key, PRICED_BATCH_TTL_SECONDS) : local(key, PRICED_BATCH_TTL_SECONDS)

  app.get<{ Params: { id: string } }>('/v1/messages/batches/:id/results', async function batchResults (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    request.gw.hasOutcome = true
    reply.hijack()
    const config = request.gw.config
    const response = await openUpstreamAnswer(request, reply, deps, 'GET', null)
    if (response === null) return
    // A gateway without tenants never asks the limits store anything here.
    const tenancy = deps.tenancy !== null && config.tenants.length > 0 ? deps.tenancy : null
    const pricing = response.statusCode === 200 && (deps.outcomes.recordBatch !== undefined || tenancy !== null)
    const spend = newBatchSpend(request.params.id)
    const isoDate = isoDateOf(deps.now())
    const splitter = new LineSplitter()
    const onLine = (line: string): void => addBatchLine(spend, line, config.catalog, isoDate)
    const tee = new Transform({
      transform (chunk: Buffer, _encoding, done) {
        if (pricing) {
          try { splitter.push(chunk, onLine) } catch { /* pricing never breaks the download */ }
        }
        done(null, chunk)
      }
    })
    let complete = false
    try {
      // The client's body is ended only after the spend is recorded, so a scrape that follows a
      // finished download already sees it.
      await pipeline(response.body, tee, reply.raw, { end: false })
      complete = true
    } catch {
      reply.raw.destroy()
    }
    // A broken-off download prices nothing: the next complete one will.
    if (pricing && complete) {
      try { splitter.end(onLine) } catch { /* as above */ }
      const owner = tenancy === null ? null : await chargeOwner(request, tenancy, spend, deps)
      if (deps.outcomes.recordBatch !== undefined && await markOnce(`batch-priced:${request.params.id}`)) {
        // Only policy tenants label metrics (an owner recorded under a since-dropped tenant is not one).
        const labelled = owner !== null && config.tenants.some((tenant) => tenant.name === owner.tenant) ? owner.tenant : null
        deps.outcomes.recordBatch(spend, labelled ?? request.gw.tenancy?.tenant?.name ?? resolveTenant(request.headers, config.tenants))
      }
    }
    if (complete) reply.raw.end()
    deps.outcomes.record(plainOutcome(request, response.statusCode))
  })
}

/**
 * Adds the batch's price to the spend of the tenant and key that created it (or, when no owner was
 * recorded, of the downloading tenant and key, so the money is not dropped), once per batch id.
 * Returns whom it was charged to. Never throws: a store failure is counted and logged, and the
 * next complete download charges it.
 */
async function chargeOwner (request: FastifyRequest<{ Params: { id: string } }>, tenancy: Tenancy, spend: BatchSpend, deps: RouteDeps): Promise<BatchOwner | null> {
  const batchId = request.params.id
  const config = request.gw.config
  const caller = request.gw.tenancy
  const callerOwner: BatchOwner | null = caller?.tenant == null ? null : { tenant: caller.tenant.name, keyId: caller.key?.id ?? null }
  let pico = 0n
  let unpriced = false
  for (const entry of spend.byModel.values()) {
    pico += entry.picoUsd
    if (entry.unpriced.length > 0) unpriced = true
  }
  let owner: BatchOwner | null = callerOwner
  try {
    const recorded = await tenancy.limits.batchOwner(batchId)
    if (recorded === null && callerOwner !== null) request.log.info({ batch_id: batchId, tenant: callerOwner.tenant }, 'no recorded creator for this batch: its results are charged to the downloading tenant')
    owner = recorded ?? callerOwner
    if (owner === null) return null
    const tenant = config.tenants.find((candidate) => candidate.name === owner?.tenant) ?? null
    if (unpriced && tenant !== null) deps.metrics?.unpricedSpend.inc({ tenant: tenant.name })
    if (pico <= 0n) return owner
    const scopes: ScopeRef[] = [{ scope: 'tenant', keyId: '', limits: tenant?.limits ?? NO_LIMITS }]
    if (owner.keyId !== null) scopes.push({ scope: 'key', keyId: owner.keyId, limits: NO_LIMITS })
    const totals = await tenancy.limits.chargeBatch(owner.tenant, scopes, batchId, pico, spendPeriods(deps.now()), PRICED_BATCH_TTL_SECONDS)
    const own = totals?.[0]
    if (own !== undefined && tenant !== null) recordBudgetUse(deps.metrics, tenant, { scope: 'tenant', limits: tenant.limits, dayPico: own.dayPico, monthPico: own.monthPico })
    return owner
  } catch (err) {
    const name = owner !== null && config.tenants.some((candidate) => candidate.name === owner?.tenant) ? owner.tenant : 'none'
    const mode = config.tenants.find((candidate) => candidate.name === name)?.onStoreUnavailable ?? 'fail_open'
    deps.metrics?.limitStoreFailures.inc({ tenant: name, mode })
    request.log.warn({ batch_id: batchId, tenant: owner?.tenant ?? null, err: err instanceof Error ? err.message : String(err) }, 'limits store: batch spend not charged (the next complete download charges it)')
    return owner
  }
}
