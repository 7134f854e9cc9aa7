// Pure. Extracts, once per request, everything the rules and the capability guard look at. Reads
// the body, never changes it.

import type { ContentBlock, MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import { estimateInputTokens } from './estimate.js'
import type { RoutingInput } from './types.js'

/**
 * @example toRoutingInput(body, request.headers).estimatedInputTokens
 */
export function toRoutingInput (body: MessagesRequest, headers: Record<string, string | string[] | undefined>): RoutingInput {
  const thinking = isRecord(body.thinking) ? body.thinking : null
  const thinkingType = thinking !== null && typeof thinking.type === 'string' ? thinking.type : null
  const visual = scanVisualContent(body)
  const lastMessage = body.messages[body.messages.length - 1]
  return {
    requestedModel: body.model,
    headers,
    metadataUserId: isRecord(body.metadata) && typeof body.metadata.user_id === 'string' ? body.metadata.user_id : null,
    estimatedInputTokens: estimateInputTokens(body),
    maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : 0,
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    toolTypes: toolTypesOf(body.tools),
    hasImages: visual.hasImages,
    hasDocuments: visual.hasDocuments,
    thinkingType,
    isThinkingRequested: thinkingType !== null && thinkingType !== 'disabled',
    thinkingBudgetTokens: thinking !== null && typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : null,
    systemText: systemTextOf(body.system),
    temperature: numberOrNull(body.temperature),
    topP: numberOrNull(body.top_p),
    topK: numberOrNull(body.top_k),
    inferenceGeo: typeof body.inference_geo === 'string' ? body.inference_geo : null,
    speed: typeof body.speed === 'string' ? body.speed : null,
    isPrefill: lastMessage?.role === 'assistant'
  }
}

function numberOrNull (value: unknown): number | null {
  return typeof value === 'number' ? value : null
}

function systemTextOf (system: MessagesRequest['system']): string {
  if (typeof system === 'string') return system
  if (!Array.isArray(system)) return ''
  const parts: string[] = []
  for (const block of system) if (isRecord(block) && typeof block.text === 'string') parts.push(block.text)
  return parts.join('\n')
}

/** Custom tools have no type or `custom`; every other type names a versioned Anthropic tool. */
function toolTypesOf (tools: MessagesRequest['tools']): string[] {
  const types: string[] = []
  if (!Array.isArray(tools)) return types
  for (const tool of tools) {
    if (isRecord(tool) && typeof tool.type === 'string' && tool.type !== 'custom') types.push(tool.type)
  }
  return types
}

function scanVisualContent (body: MessagesRequest): { hasImages: boolean; hasDocuments: boolean } {
  const found = { hasImages: false, hasDocuments: false }
  for (const message of body.messages) {
    if (Array.isArray(message.content)) scanBlocks(message.content, found, 0)
    if (found.hasImages && found.hasDocuments) break
  }
  return found
}

/** Images nest in tool_result content and in `content` documents; the depth bound stops silly inputs. */
function scanBlocks (blocks: readonly unknown[], found: { hasImages: boolean; hasDocuments: boolean }, depth: number): void {
  if (depth > 4) return
  for (const block of blocks) {
    if (!isRecord(block)) continue
    const { type } = block as ContentBlock
    if (type === 'image') found.hasImages = true
    else if (type === 'document') {
      found.hasDocuments = true
      const source = block.source
      if (isPdfSource(source)) found.hasImages = true
      else if (isRecord(source) && Array.isArray(source.content)) scanBlocks(source.content, found, depth + 1)
    } else if (Array.isArray(block.content)) scanBlocks(block.content, found, depth + 1)
  }
}

/** PDF pages reach the model as images too, so a PDF needs a vision-capable model. */
function isPdfSource (source: unknown): boolean {
  if (!isRecord(source)) return false
  if (source.type === 'base64') return source.media_type === 'application/pdf'
  // URL documents are PDFs; a file may be either, so count it as one (the guard errs safe).
  return source.type === 'url' || source.type === 'file'
}
