// Message batches. Creating one applies the policy to every `requests[].params` and, for a tenant,
// its rate limit and budget (admitBatch), then records who created the batch so its results are
// charged to them wherever and whenever they are downloaded; every batch object going back has its
// absolute `results_url` pointed at the gateway, because the SDK follows that URL directly and
// would otherwise bypass the gateway.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { GatewayError } from '../../errors.js'
import { parseJsonBody, parseMessagesRequest } from '../../messages/parse-request.js'
import { isRecord } from '../../types/anthropic.js'
import { planRoute } from '../route-plan.js'
import type { RoutePlan } from '../route-plan.js'
import type { MessagesRequest } from '../../types/anthropic.js'
import { admitBatch } from '../admission.js'
import type { Admission, AdmissionDeps } from '../admission.js'
import { PRICED_BATCH_TTL_SECONDS } from './batch-results.js'
import { NO_BODY, forwardBuffered, sendAnswer } from '../proxy-buffered.js'
import { isoDateOf } from '../outcome-builder.js'
import type { RouteDeps } from '../route-deps.js'
import { rewriteResultsUrls } from '../results-url.js'

/** Batches may be far larger than single messages (the API accepts 256 MB). */
export const BATCH_BODY_LIMIT_BYTES = 256 * 1024 * 1024

/**
 * A 250 MB batch takes seconds to parse, route and serialise: the work is cut into stretches with
 * other requests (streams in flight, health checks) served between them, instead of one block
 * that held every other request for ~9 s.
 */
const PLAN_SLICE = 500
const letOthersRun = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve) })

export async function batchesRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const publicOrigin = (request: FastifyRequest): string =>
    deps.publicUrl ?? request.gw.config.publicUrl ?? `${request.protocol}://${request.host}`

  const admissionDeps: AdmissionDeps | null = deps.tenancy === null ? null : { tenancy: deps.tenancy, metrics: deps.metrics, now: deps.now }

  app.post('/v1/messages/batches', { bodyLimit: BATCH_BODY_LIMIT_BYTES }, async function createBatch (request, reply) {
    // Reading the body ended with its decoding: parse in a stretch of its own.
    await letOthersRun()
    const body = parseJsonBody(request.body as string)
    if (!isRecord(body) || !Array.isArray(body.requests)) {
      throw new GatewayError('TL_ERR_INVALID_REQUEST', 'requests: Field required (an array of {custom_id, params}).')
    }
    await letOthersRun()
    const isoDate = isoDateOf(deps.now())
    const entries: Array<Record<string, unknown>> = []
    const bodies: MessagesRequest[] = []
    const plans: RoutePlan[] = []
    for (let i = 0; i < body.requests.length; i++) {
      const entry: unknown = body.requests[i]
      if (!isRecord(entry)) throw new GatewayError('TL_ERR_INVALID_REQUEST', `requests.${i}: must be an object.`)
      const params = withPath(`requests.${i}.params`, () => parseMessagesRequest(entry.params))
      entries.push(entry)
      bodies.push(params)
      // A batch cannot fall back mid-flight, so only the decided target is used.
      plans.push(planRoute(params, '', request.headers, request.gw.config, deps.random(), isoDate))
      if (i % PLAN_SLICE === PLAN_SLICE - 1) await letOthersRun()
    }
    let outgoingParams = plans.map((plan) => plan.outgoing)
    let admission: Admission | null = null
    if (admissionDeps !== null) ({ outgoing: outgoingParams, admission } = await admitBatch(request, reply, plans, bodies, admissionDeps))
    const requests = entries.map((entry, i) => outgoingParams[i] === bodies[i] ? entry : { ...entry, params: outgoingParams[i] })
    const outgoing = await serialiseBatch(body, requests)
    const answer = await forwardBuffered(request, reply, deps, [{ model: '', body: () => outgoing }])
    if (admission !== null && admissionDeps !== null) {
      await rememberOwner(request, answer.status, answer.text, admission, admissionDeps)
      answer.headers = { ...answer.headers, ...admission.headers }
    }
    return sendAnswer(reply, answer, (json) => rewriteResultsUrls(json, publicOrigin(request)))
  })

  const relayWithRewrite = async function relayBatchObject (request: FastifyRequest, reply: Parameters<typeof sendAnswer>[0]) {
    const answer = await forwardBuffered(request, reply, deps, NO_BODY)
    return sendAnswer(reply, answer, (json) => rewriteResultsUrls(json, publicOrigin(request)))
  }
  app.get('/v1/messages/batches', relayWithRewrite)
  app.get('/v1/messages/batches/:id', relayWithRewrite)
  app.post('/v1/messages/batches/:id/cancel', relayWithRewrite)
  app.delete('/v1/messages/batches/:id', relayWithRewrite)
}

/**
 * Records the created batch's tenant and key before the client hears of the batch, so a download
 * right after (on any replica) is charged to them. A store failure is counted and logged; the
 * results are then charged to whoever downloads them (batch-results.ts).
 */
async function rememberOwner (request: FastifyRequest, status: number, text: string | null, admission: Admission, deps: AdmissionDeps): Promise<void> {
  if (status !== 200 || text === null) return
  let id: unknown
  try {
    const json: unknown = JSON.parse(text)
    id = isRecord(json) ? json.id : undefined
  } catch {
    return
  }
  if (typeof id !== 'string' || id === '') return
  const keyId = admission.scopes.find((scope) => scope.scope === 'key')?.keyId ?? null
  try {
    await deps.tenancy.limits.rememberBatch(id, { tenant: admission.tenant.name, keyId }, PRICED_BATCH_TTL_SECONDS)
  } catch (err) {
    deps.metrics?.limitStoreFailures.inc({ tenant: admission.tenant.name, mode: admission.tenant.onStoreUnavailable })
    request.log.warn({ tenant: admission.tenant.name, batch_id: id, err: err instanceof Error ? err.message : String(err) }, 'limits store: the batch\'s owner was not recorded; its results will be charged to whoever downloads them')
  }
}

/**
 * The batch as bytes, built entry by entry with other requests served between slices: one
 * JSON.stringify of 250 MB, then undici's conversion of that string to bytes, held the process
 * for ~3 s. `requests` comes first; the other top-level fields follow as they were.
 */
export async function serialiseBatch (body: Record<string, unknown>, requests: readonly unknown[]): Promise<Buffer> {
  const { requests: _replaced, ...rest } = body
  const parts: Buffer[] = [Buffer.from('{"requests":[')]
  for (let i = 0; i < requests.length; i++) {
    parts.push(Buffer.from((i === 0 ? '' : ',') + JSON.stringify(requests[i])))
    if (i % PLAN_SLICE === PLAN_SLICE - 1) await letOthersRun()
  }
  const others = JSON.stringify(rest)
  parts.push(Buffer.from(others === '{}' ? ']}' : '],' + others.slice(1)))
  return Buffer.concat(parts)
}

function withPath<T> (path: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof GatewayError) throw new GatewayError(err.code, `${path}.${err.message}`)
    throw err
  }
}
