// Pure. Serves a stored Message in the form the client asked for: the JSON as stored, or a legal
// SSE sequence the SDK's MessageStream reassembles into the same message.

import type { ContentBlock, Message, Usage } from '../types/anthropic.js'
import { formatSseEvent } from '../upstream/sse.js'

const PING = 'event: ping\ndata: {"type": "ping"}\n\n'

function event (name: string, data: unknown): string {
  return formatSseEvent(name, JSON.stringify(data))
}

/** The block as content_block_start announces it: growing fields empty. */
function startShape (block: ContentBlock): ContentBlock {
  switch (block.type) {
    case 'text': {
      const { citations, ...rest } = block
      return { ...rest, text: '', ...(citations === undefined ? {} : { citations: Array.isArray(citations) ? [] : citations }) }
    }
    case 'thinking': return { ...block, thinking: '', signature: '' }
    case 'tool_use':
    case 'server_tool_use': return { ...block, input: {} }
    default: return block
  }
}

function deltas (block: ContentBlock, index: number): string[] {
  const out: string[] = []
  const delta = (payload: Record<string, unknown>): void => { out.push(event('content_block_delta', { type: 'content_block_delta', index, delta: payload })) }
  switch (block.type) {
    case 'text':
      if (typeof block.text === 'string' && block.text !== '') delta({ type: 'text_delta', text: block.text })
      if (Array.isArray(block.citations)) for (const citation of block.citations) delta({ type: 'citations_delta', citation })
      break
    case 'thinking':
      if (typeof block.thinking === 'string' && block.thinking !== '') delta({ type: 'thinking_delta', thinking: block.thinking })
      if (typeof block.signature === 'string') delta({ type: 'signature_delta', signature: block.signature })
      break
    case 'tool_use':
    case 'server_tool_use':
      delta({ type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) })
      break
  }
  return out
}

export function replaySse (message: Message): string {
  const usage: Usage = message.usage
  const startUsage: Usage = { ...usage, output_tokens: Math.min(1, typeof usage.output_tokens === 'number' ? usage.output_tokens : 0) }
  const parts = [event('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } }), PING]
  message.content.forEach((block, index) => {
    parts.push(event('content_block_start', { type: 'content_block_start', index, content_block: startShape(block) }))
    parts.push(...deltas(block, index))
    parts.push(event('content_block_stop', { type: 'content_block_stop', index }))
  })
  parts.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }, usage }))
  parts.push(event('message_stop', { type: 'message_stop' }))
  return parts.join('')
}
