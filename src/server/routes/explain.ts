// POST /admin/explain (and its older name POST /v1/gateway/explain): what the policy would do with
// a Messages request (and its headers), and why, rule by rule. Nothing is sent upstream. An admin
// surface: it reveals every rule, routing header value and pattern, so it sits behind ADMIN_TOKEN
// (adminGuard). The offline `thriftline explain` CLI needs no token.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RuntimeConfig } from '../../config/types.js'
import { GatewayError } from '../../errors.js'
import { parseJsonBody, parseMessagesRequest } from '../../messages/parse-request.js'
import { applyDecision } from '../../policy/apply.js'
import { decide } from '../../policy/decide.js'
import { explain } from '../../policy/explain.js'
import { toRoutingInput } from '../../policy/input.js'
import type { Decision } from '../../policy/types.js'
import type { MessagesRequest } from '../../types/anthropic.js'
import { isRecord } from '../../types/anthropic.js'
import type { PromptCacheStateStore } from '../../prompt-cache/state-store.js'
import { lookupConversation } from '../../prompt-cache/conversation.js'
import { scopeOf } from '../../cache/key.js'
import { headerValue } from '../../upstream/headers.js'
import type { Tenancy } from '../../tenancy/create-tenancy.js'
import { explainTenancy } from '../explain-tenancy.js'
import { adminGuard } from '../admin-guard.js'

export interface ExplainRouteOptions {
  getConfig: () => RuntimeConfig
  /** Clock for lifecycle dates; `?date=YYYY-MM-DD` overrides it per call. */
  now?: () => number
  /** Draw for unsticky splits; `?random=0.42` overrides it per call. */
  random?: () => number
  /** The conversation's prompt-cache state, as the request path sees it (same credential scope). */
  promptCache?: PromptCacheStateStore | null
  /** Gateway keys, limits and budgets: the caller's tenant and budget verdict are explained too. */
  tenancy?: Tenancy | null
  /** ADMIN_TOKEN; null = the routes answer 404. */
  adminToken: string | null
}

export const EXPLAIN_PATHS = ['/admin/explain', '/v1/gateway/explain'] as const

export async function explainRoutes (app: FastifyInstance, options: ExplainRouteOptions): Promise<void> {
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const onRequest = adminGuard(options.adminToken)
  const handler = async function explainDecision (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const json = parseJsonBody(typeof request.body === 'string' ? request.body : '')
    // count_tokens bodies have no max_tokens; explain them too.
    const kind = isRecord(json) && json.max_tokens === undefined ? 'count_tokens' : 'messages'
    const body = parseMessagesRequest(json, kind)
    const query = request.query as Record<string, string | undefined>
    const today = query.date ?? new Date(now()).toISOString().slice(0, 10)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new GatewayError('TL_ERR_INVALID_REQUEST', 'date: must be YYYY-MM-DD.')
    const draw = query.random === undefined ? random() : Number(query.random)
    if (!(draw >= 0 && draw < 1)) throw new GatewayError('TL_ERR_INVALID_REQUEST', 'random: must be a number in [0, 1).')
    const config = options.getConfig()
    const input = toRoutingInput(body, request.headers)
    // The conversation's credential comes in x-api-key (Authorization carries the admin token).
    const conversationKey = headerValue(request.headers, 'x-api-key')
    if (options.promptCache !== undefined && options.promptCache !== null && (conversationKey !== undefined || config.cache.sharedScope !== null)) {
      const scope = scopeOf(conversationKey ?? null, config.cache.sharedScope)
      const state = await lookupConversation(options.promptCache, body, typeof request.body === 'string' ? request.body : '', scope, config.catalog, now())
      input.promptCache = state?.view ?? null
    }
    const decision = decide(input, config.policy, config.catalog, draw, today, { trace: true })
    const explanation = explain(decision, input)
    const tenancy = options.tenancy === undefined || options.tenancy === null ? null : await explainTenancy(request.headers, input, decision, config, options.tenancy, now())
    const downgradeTo = tenancy?.budget?.downgradeTo ?? null
    if (tenancy?.budget !== null && tenancy?.budget !== undefined && tenancy.budget.action !== 'allow') explanation.summary += ` Budget: ${tenancy.budget.detail}.`
    return reply.header('cache-control', 'no-store').send({
      decision: withoutTrace(decision),
      promptCache: input.promptCache ?? null,
      explanation,
      rewrite: rewriteOf(body, downgradeTo === null ? decision : { ...decision, targetModel: downgradeTo }, config),
      ...(tenancy === null ? {} : { tenancy })
    })
  }
  for (const path of EXPLAIN_PATHS) app.post(path, { onRequest }, handler)
}

function withoutTrace (decision: Decision): Decision {
  const { trace: _trace, ...rest } = decision
  return rest
}

/** What the body sent upstream would differ in: model, clamped max_tokens, stripped thinking blocks. */
function rewriteOf (body: MessagesRequest, decision: Decision, config: RuntimeConfig): Record<string, unknown> | null {
  if (decision.unroutable !== null) return null
  const outgoing = applyDecision(body, decision.targetModel, config.catalog)
  if (outgoing === body) return { changed: false }
  return {
    changed: true,
    model: outgoing.model,
    maxTokens: outgoing.max_tokens === body.max_tokens ? null : { from: body.max_tokens, to: outgoing.max_tokens },
    strippedThinkingBlocks: thinkingBlocks(body) - thinkingBlocks(outgoing)
  }
}

function thinkingBlocks (body: MessagesRequest): number {
  let count = 0
  for (const message of body.messages) {
    if (!Array.isArray(message.content)) continue
    for (const block of message.content) if (block.type === 'thinking' || block.type === 'redacted_thinking') count++
  }
  return count
}
