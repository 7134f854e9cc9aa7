import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isStorableMessage, planCaching } from '../../../src/cache/cacheability.js'
import type { CachingInput } from '../../../src/cache/cacheability.js'
import type { Message, MessagesRequest } from '../../../src/types/anthropic.js'

const DETERMINISTIC: MessagesRequest = { model: 'claude-haiku-4-5', max_tokens: 64, temperature: 0, messages: [{ role: 'user', content: 'hi' }] }
const SAMPLED: MessagesRequest = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }
const INPUT: CachingInput = { mode: 'deterministic', ttlSeconds: 600, rule: undefined, optIn: undefined, cacheControl: undefined, hasCredential: true }

const ROWS: Array<{ name: string; body: MessagesRequest; input?: Partial<CachingInput>; lookup: boolean; store: boolean; ttl?: number; reason: RegExp }> = [
  { name: 'temperature 0 in deterministic mode', body: DETERMINISTIC, lookup: true, store: true, ttl: 600, reason: /^cacheable$/ },
  { name: 'sampled in deterministic mode', body: SAMPLED, lookup: false, store: false, reason: /not deterministic/ },
  { name: 'sampled, opted in by header', body: SAMPLED, input: { optIn: ' ON ' }, lookup: true, store: true, reason: /^cacheable$/ },
  { name: 'sampled in mode all', body: SAMPLED, input: { mode: 'all' }, lookup: true, store: true, reason: /^cacheable$/ },
  { name: 'opted out by header', body: DETERMINISTIC, input: { optIn: 'off' }, lookup: false, store: false, reason: /x-gateway-cache: off/ },
  { name: 'mode off', body: DETERMINISTIC, input: { mode: 'off' }, lookup: false, store: false, reason: /cache mode off/ },
  { name: 'mode off, opted in by header', body: DETERMINISTIC, input: { mode: 'off', optIn: 'on' }, lookup: true, store: true, reason: /^cacheable$/ },
  { name: 'a rule disables caching', body: DETERMINISTIC, input: { rule: false, optIn: 'on' }, lookup: false, store: false, reason: /rule disables/ },
  { name: 'a rule sets mode all and a TTL', body: SAMPLED, input: { rule: { mode: 'all', ttlSeconds: 3600 } }, lookup: true, store: true, ttl: 3600, reason: /^cacheable$/ },
  { name: 'no recognised credential', body: DETERMINISTIC, input: { hasCredential: false }, lookup: false, store: false, reason: /no recognised credential/ },
  { name: 'no recognised credential, opted in by header', body: DETERMINISTIC, input: { hasCredential: false, optIn: 'on', mode: 'all' }, lookup: false, store: false, reason: /no recognised credential/ },
  { name: 'cache-control: no-store', body: DETERMINISTIC, input: { cacheControl: 'No-Store' }, lookup: false, store: false, reason: /no-store/ },
  { name: 'cache-control: no-cache refreshes', body: DETERMINISTIC, input: { cacheControl: 'no-cache' }, lookup: false, store: true, reason: /refresh/ },
  { name: 'max_tokens 0 pre-warms the prompt cache', body: { ...DETERMINISTIC, max_tokens: 0 }, lookup: false, store: false, reason: /max_tokens 0/ },
  { name: 'a container is stateful', body: { ...DETERMINISTIC, container: 'c-1' }, lookup: false, store: false, reason: /container is stateful/ },
  { name: 'MCP servers are stateful', body: { ...DETERMINISTIC, mcp_servers: [] }, lookup: false, store: false, reason: /mcp_servers/ },
  { name: 'a server tool has live data', body: { ...DETERMINISTIC, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, lookup: false, store: false, reason: /server tool web_search_20250305/ },
  { name: 'client tools are fine', body: { ...DETERMINISTIC, tools: [{ type: 'custom', name: 'lookup', input_schema: { type: 'object' } }, { type: 'bash_20250124', name: 'bash' }] }, lookup: true, store: true, reason: /^cacheable$/ }
]

for (const row of ROWS) {
  test(`planCaching: ${row.name}`, () => {
    const plan = planCaching(row.body, { ...INPUT, ...row.input })
    assert.equal(plan.lookup, row.lookup, 'lookup')
    assert.equal(plan.store, row.store, 'store')
    assert.match(plan.reason, row.reason)
    if (row.ttl !== undefined) assert.equal(plan.ttlSeconds, row.ttl)
  })
}

const message = (stop: string): Message => ({
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'ok' }],
  stop_reason: stop, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 }
} as unknown as Message)

const STORABLE: Array<[string, boolean]> = [['end_turn', true], ['tool_use', true], ['stop_sequence', true], ['max_tokens', false], ['pause_turn', false], ['refusal', false], ['model_context_window_exceeded', false]]
for (const [stop, storable] of STORABLE) {
  test(`isStorableMessage: stop_reason ${stop} → ${storable}`, () => { assert.equal(isStorableMessage(message(stop)), storable) })
}
