// A Claude Code-like Messages request of about 250 KB, for timing what scales with the prompt: a
// long system prompt, 20 tools with JSON schemas, and a tool loop of 30 turns (thinking, tool_use,
// tool_result with file contents), with `cache_control` on the last system block, the last tool
// and the last user message, and thinking on (so earlier turns' thinking is what another model
// loses). Deterministic: the same bytes on every run.

import type { ContentBlock, MessagesRequest } from '../../src/types/anthropic.js'

const WORDS = ['the', 'function', 'returns', 'a', 'value', 'when', 'config', 'request', 'handler', 'error', 'should', 'test', 'file', 'path', 'import', 'export', 'const', 'async', 'await', 'string', 'number', 'object', 'array', 'user', 'model', 'token', 'cache', 'stream', 'response', 'body']

/** `length` characters of prose-like text, different for each seed. */
function text (seed: number, length: number): string {
  let state = seed * 2654435761 % 4294967296
  const words: string[] = []
  let size = 0
  while (size < length) {
    state = (state * 1103515245 + 12345) % 2147483648
    const word = WORDS[state % WORDS.length] as string
    words.push(word)
    size += word.length + 1
  }
  return words.join(' ').slice(0, length)
}

const EPHEMERAL = { type: 'ephemeral' }

function tool (i: number, last: boolean): ContentBlock {
  return {
    type: 'custom',
    name: `Tool${i}`,
    description: text(100 + i, 1600),
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: text(200 + i, 200) },
        pattern: { type: 'string', description: text(300 + i, 160) },
        limit: { type: 'number', description: 'At most this many results.' },
        options: { type: 'object', properties: { recursive: { type: 'boolean' }, glob: { type: 'string' } }, additionalProperties: false }
      },
      required: ['path'],
      additionalProperties: false,
      $schema: 'http://json-schema.org/draft-07/schema#'
    },
    ...(last ? { cache_control: EPHEMERAL } : {})
  }
}

/** Thinking on, a tool loop in progress (the last message answers a tool_use). */
export function claudeCodeRequest (): MessagesRequest {
  const messages: MessagesRequest['messages'] = [{ role: 'user', content: [{ type: 'text', text: text(1, 600) }] }]
  const turns = 30
  for (let t = 0; t < turns; t++) {
    const id = `toolu_${String(t).padStart(4, '0')}`
    messages.push({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: text(1000 + t, 600), signature: 'EqQBCkYIBxgCKkB' + text(2000 + t, 200).replace(/ /g, '') },
        { type: 'text', text: text(3000 + t, 300) },
        { type: 'tool_use', id, name: `Tool${t % 20}`, input: { path: `src/module-${t}/file.ts`, pattern: 'export function', limit: 50 } }
      ]
    })
    const last = t === turns - 1
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: text(4000 + t, 3800) }], ...(last ? { cache_control: EPHEMERAL } : {}) }]
    })
  }
  const body: MessagesRequest = {
    model: 'claude-sonnet-4-5',
    max_tokens: 32000,
    stream: true,
    thinking: { type: 'enabled', budget_tokens: 16000 },
    system: [
      { type: 'text', text: 'You are Claude Code, an interactive CLI tool.' },
      { type: 'text', text: text(7, 45_000), cache_control: EPHEMERAL }
    ],
    tools: Array.from({ length: 20 }, (_, i) => tool(i, i === 19)),
    messages
  }
  // As the gateway holds it: parsed from the request text (flat strings, as JSON.parse makes them).
  return JSON.parse(JSON.stringify(body)) as MessagesRequest
}
