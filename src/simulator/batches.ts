// Message batches that end at once: create (validated like the real API), list, get, cancel,
// delete and JSONL results. Each result echoes its params.model; a model made to fail with
// setModelBehaviour({ status }) gives an `errored` result. Batch objects carry an absolute
// results_url on the simulator's own host, as the real API does on its own.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { Behaviour } from './behaviour.js'
import { DEFAULT_BEHAVIOUR } from './behaviour.js'
import { errorType } from './errors.js'
import type { NewId } from './ids.js'
import { invalidMessagesBody } from './messages.js'
import { paginate } from './page.js'
import { planReply } from './reply.js'
import { sendError, sendJson } from './send.js'

interface BatchObject { id: string; [field: string]: unknown }
interface Batch { object: BatchObject; results: string }

export interface BatchesOptions {
  baseUrl: () => string
  newId: NewId
  modelBehaviour: (model: string) => Partial<Behaviour> | undefined
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/

export function createBatches ({ baseUrl, newId, modelBehaviour }: BatchesOptions) {
  const batches = new Map<string, Batch>()

  function resultLine (customId: string, params: MessagesRequest): { line: string; ok: boolean } {
    const behaviour = { ...DEFAULT_BEHAVIOUR, ...modelBehaviour(params.model) }
    if (behaviour.status !== null && behaviour.status >= 400) {
      const error = { type: 'error', error: { type: errorType(behaviour.status), message: `simulated ${behaviour.status}` }, request_id: newId('req_sim_') }
      return { line: JSON.stringify({ custom_id: customId, result: { type: 'errored', error } }), ok: false }
    }
    const message = planReply({ ...params, stream: false }, behaviour, newId('msg_')).message
    message.usage = { ...message.usage, service_tier: 'batch' }
    return { line: JSON.stringify({ custom_id: customId, result: { type: 'succeeded', message } }), ok: true }
  }

  function create (res: ServerResponse, body: Buffer, requestId: string): void {
    let parsed: unknown
    try { parsed = JSON.parse(body.toString('utf8')) } catch { parsed = null }
    if (!isRecord(parsed) || !Array.isArray(parsed.requests) || parsed.requests.length === 0) return sendError(res, 400, requestId, 'requests: Field required')
    const lines: string[] = []
    let succeeded = 0
    const seen = new Set<string>()
    for (const [i, entry] of parsed.requests.entries()) {
      if (!isRecord(entry) || typeof entry.custom_id !== 'string' || !CUSTOM_ID.test(entry.custom_id)) return sendError(res, 400, requestId, `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`)
      if (seen.has(entry.custom_id)) return sendError(res, 400, requestId, `requests.${i}.custom_id: duplicate custom_id ${entry.custom_id}`)
      seen.add(entry.custom_id)
      const invalid = invalidMessagesBody(entry.params, false)
      if (invalid !== null) return sendError(res, 400, requestId, `requests.${i}.params.${invalid}`)
      const result = resultLine(entry.custom_id, entry.params as MessagesRequest)
      lines.push(result.line)
      if (result.ok) succeeded++
    }
    const id = newId('msgbatch_')
    const now = new Date()
    const object = {
      id,
      type: 'message_batch',
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded, errored: lines.length - succeeded, canceled: 0, expired: 0 },
      created_at: now.toISOString(),
      ended_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 86_400_000).toISOString(),
      cancel_initiated_at: null,
      archived_at: null,
      results_url: `${baseUrl()}/v1/messages/batches/${id}/results`
    }
    batches.set(id, { object, results: lines.join('\n') + '\n' })
    sendJson(res, 200, JSON.stringify(object))
  }

  /** Everything under /v1/messages/batches; `path` has no query. */
  return function handleBatches (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: Buffer, requestId: string): void {
    const [, , , id, action, extra] = path.split('/').filter(Boolean) // v1 messages batches :id action
    const method = req.method ?? 'GET'
    if (id === undefined) {
      if (method === 'POST') return create(res, body, requestId)
      if (method === 'GET') return sendJson(res, 200, JSON.stringify(paginate([...batches.values()].map((b) => b.object).reverse(), query)))
      return sendError(res, 404, requestId)
    }
    const batch = batches.get(id)
    if (batch === undefined || extra !== undefined) return sendError(res, 404, requestId, `batch ${id} not found`)
    if (method === 'GET' && action === undefined) return sendJson(res, 200, JSON.stringify(batch.object))
    if (method === 'GET' && action === 'results') {
      res.writeHead(200, { 'content-type': 'application/binary' })
      res.end(batch.results)
      return
    }
    if (method === 'POST' && action === 'cancel') return sendJson(res, 200, JSON.stringify(batch.object))
    if (method === 'DELETE' && action === undefined) {
      batches.delete(id)
      return sendJson(res, 200, JSON.stringify({ id, type: 'message_batch_deleted' }))
    }
    sendError(res, 404, requestId)
  }
}
