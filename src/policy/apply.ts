// Pure. Builds the body for one target model: the model replaced, `max_tokens` clamped to the
// target's maximum, and earlier turns' thinking blocks removed when the model really changes.
// Never mutates `body`; returns `body` itself when nothing changes, so the
// caller can forward the client's original bytes.

import type { ModelCatalog } from '../catalog/types.js'
import type { ContentBlock, MessageParam, MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

/**
 * Works for any target: the decision's model and each of its fallbacks.
 *
 * @example applyDecision(body, decision.targetModel, config.catalog) === body // when nothing changed
 */
export function applyDecision (body: MessagesRequest, targetModel: string, catalog: ModelCatalog): MessagesRequest {
  if (targetModel === body.model) return body
  const target = catalog.resolve(targetModel)
  const sameModel = target !== undefined && target === catalog.resolve(body.model)
  if (sameModel || target === undefined) return { ...body, model: targetModel }
  const outgoing: MessagesRequest = { ...body, model: targetModel }
  if (typeof body.max_tokens === 'number' && body.max_tokens > target.capabilities.maxOutputTokens) {
    outgoing.max_tokens = target.capabilities.maxOutputTokens
  }
  const messages = withoutEarlierThinking(body)
  if (messages !== body.messages) outgoing.messages = messages
  return outgoing
}

const isThinkingBlock = (block: ContentBlock): boolean => block.type === 'thinking' || block.type === 'redacted_thinking'

/**
 * Thinking blocks are bound to the model that wrote them: another model ignores them (but bills
 * them) and 5.5-generation models reject them, so they go. Two exceptions keep a valid request
 * valid: the assistant turn of a tool-use loop still in progress (thinking on, the last message
 * carries tool_result) must keep its thinking block, and a turn that would become empty is kept.
 */
function withoutEarlierThinking (body: MessagesRequest): MessageParam[] {
  const messages = body.messages
  const keepIndex = activeToolTurnIndex(body)
  let changed: MessageParam[] | null = null
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as MessageParam
    if (i === keepIndex || message.role !== 'assistant' || !Array.isArray(message.content)) continue
    if (!message.content.some(isThinkingBlock)) continue
    const content = message.content.filter((block) => !isThinkingBlock(block))
    if (content.length === 0) continue
    changed ??= messages.slice()
    changed[i] = { ...message, content }
  }
  return changed ?? messages
}

/** Index of the assistant turn a pending tool_result answers, when thinking is on; else -1. */
function activeToolTurnIndex (body: MessagesRequest): number {
  const thinking = body.thinking
  if (!isRecord(thinking) || thinking.type === 'disabled') return -1
  const last = body.messages[body.messages.length - 1]
  if (last === undefined || last.role !== 'user' || !Array.isArray(last.content)) return -1
  if (!last.content.some((block) => block.type === 'tool_result')) return -1
  const previous = body.messages[body.messages.length - 2]
  return previous?.role === 'assistant' ? body.messages.length - 2 : -1
}
