// Pure. The only guard on Messages bodies: checks the few fields the gateway needs and keeps
// every other field exactly as sent. No Fastify/Ajv schema here: Ajv's coercion and defaults would
// silently change what the client sent.

import { GatewayError } from '../errors.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

export type RequestKind = 'messages' | 'count_tokens'

/**
 * How deeply a request body may nest. The API's own bodies need a handful of levels (tool schemas
 * a few dozen); what reads a body afterwards (cache key, estimate, explain) may recurse, and a
 * 10k-deep body overflowed the stack there: a 500 the SDKs retried twice.
 */
export const MAX_JSON_DEPTH = 128

/** Parses raw JSON text once; throws TL_ERR_INVALID_JSON, or TL_ERR_TOO_DEEP past MAX_JSON_DEPTH. */
export function parseJsonBody (text: string): unknown {
  if (text.trim() === '') throw new GatewayError('TL_ERR_INVALID_JSON', 'The request body is empty; expected a JSON object.')
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new GatewayError('TL_ERR_TOO_DEEP', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new GatewayError('TL_ERR_INVALID_JSON', `The request body is not valid JSON: ${(err as Error).message}`)
  }
}

/**
 * Whether JSON text opens more than `max` objects/arrays at once. A scan without recursion or
 * parsing; skipped (two native searches) when the text has too few brackets to nest that deep,
 * which is every ordinary request. Strings are jumped over with native searches for their closing
 * quote: a 250 MB batch, mostly prompt text, took a second char by char.
 */
export function nestsDeeperThan (text: string, max: number): boolean {
  if (countUpTo(text, '{', max) + countUpTo(text, '[', max) <= max) return false
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34 /* " */) {
      i = closingQuote(text, i)
      // Unterminated: not JSON, which the parse after this rejects.
      if (i === -1) return false
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--
    }
  }
  return false
}

/** Index of the quote that closes the string opening at `open`, or -1. */
function closingQuote (text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0
    while (text.charCodeAt(at - 1 - backslashes) === 92 /* backslash */) backslashes++
    if (backslashes % 2 === 0) return at
  }
  return -1
}

/** Occurrences of `char` in `text`, counting no further than max + 1. */
function countUpTo (text: string, char: string, max: number): number {
  let count = 0
  for (let at = text.indexOf(char); at >= 0 && count <= max; at = text.indexOf(char, at + 1)) count++
  return count
}

// Plain loops and a module-level `fail`: this runs on every request, and closures made per call
// cost an allocation each (and, under tsx, a `__name` call each: ~1% of a miss in the profile).
export function parseMessagesRequest (body: unknown, kind: RequestKind = 'messages'): MessagesRequest {
  if (!isRecord(body)) return fail('The request body must be a JSON object.')
  if (typeof body.model !== 'string' || body.model === '') return fail('model: Field required (a non-empty string).')
  if (!Array.isArray(body.messages)) return fail('messages: Field required (an array of messages).')
  const messages: unknown[] = body.messages
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]
    if (!isRecord(message)) return fail(`messages.${i}: must be an object with role and content.`)
    if (typeof message.role !== 'string') return fail(`messages.${i}.role: Field required (a string).`)
    const content = message.content
    if (typeof content === 'string') continue
    if (!Array.isArray(content)) return fail(`messages.${i}.content: Field required (a string or an array of content blocks).`)
    for (let j = 0; j < content.length; j++) {
      const block: unknown = content[j]
      if (!isRecord(block) || typeof block.type !== 'string') return fail(`messages.${i}.content.${j}: must be a content block object with a type.`)
    }
  }
  if (kind === 'messages') {
    if (body.max_tokens === undefined) return fail('max_tokens: Field required.')
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 0) {
      return fail('max_tokens: must be a non-negative integer.')
    }
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return fail('stream: must be a boolean.')
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
    return fail('system: must be a string or an array of text blocks.')
  }
  if (body.tools !== undefined && !Array.isArray(body.tools)) return fail('tools: must be an array.')
  if (body.thinking !== undefined && !(isRecord(body.thinking) && typeof body.thinking.type === 'string')) {
    return fail('thinking: must be an object with a type.')
  }
  if (body.metadata !== undefined && body.metadata !== null && !isRecord(body.metadata)) return fail('metadata: must be an object.')
  return body as MessagesRequest
}

function fail (message: string): never {
  throw new GatewayError('TL_ERR_INVALID_REQUEST', message)
}
