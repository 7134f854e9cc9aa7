// POST /admin/explain and POST /v1/gateway/explain through the real app (buildApp registers explainRoutes; app.inject):
// no upstream is involved.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { buildApp } from '../../../src/app.js'
import { compileConfig } from '../../../src/config/compile.js'
import { createUpstreamClient } from '../../../src/upstream/client.js'

const CATALOG = parseYaml(readFileSync(new URL('../../../config/models.yaml', import.meta.url), 'utf8')) as unknown
const POLICY = `
virtual_models: [{ id: claude-auto }]
routes:
  - { name: support, match: { header: { x-team: support } }, action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5] } }
  - { name: auto, match: { model: claude-auto, has_tools: true }, action: { model: claude-sonnet-4-5 } }
`

const ADMIN = { authorization: 'Bearer adm-s3cret' }

async function appFor (t: { after: (fn: () => Promise<void>) => void }, adminToken: string | null = 'adm-s3cret') {
  const result = compileConfig(parseYaml(POLICY) as unknown, CATALOG, { path: null, nowMs: Date.parse('2026-03-01'), envOverrides: { upstreamUrl: 'http://127.0.0.1:9' } })
  assert.ok('config' in result)
  const config = result.config
  const upstream = createUpstreamClient({ connectTimeoutMs: 100 })
  const app = await buildApp({
    config: () => config,
    upstream,
    outcomes: { record: () => {} },
    adminToken,
    now: () => Date.parse('2026-03-01T00:00:00Z')
  })
  t.after(async () => { await app.close(); await upstream.close() })
  return app
}

const body = (extra: Record<string, unknown> = {}): string => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100_000, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'text', text: 'a' }] }, { role: 'user', content: 'again' }], ...extra })

test('explain: decision, explanation and the rewrite, headers considered', async (t) => {
  const app = await appFor(t)
  const res = await app.inject({ method: 'POST', url: '/v1/gateway/explain', headers: { ...ADMIN, 'content-type': 'application/json', 'x-team': 'support' }, payload: body() })
  assert.equal(res.statusCode, 200)
  const json = res.json() as { decision: Record<string, unknown>; explanation: { summary: string; rules: string[] }; rewrite: Record<string, unknown> }
  assert.equal(json.decision.targetModel, 'claude-haiku-4-5')
  assert.equal(json.decision.rule, 'support')
  assert.deepEqual(json.decision.fallbacks, ['claude-sonnet-4-5'])
  assert.equal('trace' in json.decision, false)
  assert.equal(json.explanation.rules[0], '✓ support: matched: claude-sonnet-4-5 → claude-haiku-4-5')
  assert.deepEqual(json.rewrite, { changed: true, model: 'claude-haiku-4-5', maxTokens: { from: 100_000, to: 64_000 }, strippedThinkingBlocks: 1 })
})

test('explain: without the header nothing matches; a count_tokens body (no max_tokens) is fine', async (t) => {
  const app = await appFor(t)
  const res = await app.inject({ method: 'POST', url: '/v1/gateway/explain', headers: { ...ADMIN, 'content-type': 'application/json' }, payload: JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }) })
  assert.equal(res.statusCode, 200)
  const json = res.json() as { decision: { rule: string | null }; explanation: { rules: string[] }; rewrite: unknown }
  assert.equal(json.decision.rule, null)
  assert.match(json.explanation.rules[0] ?? '', /^✗ support: not matched: header: header x-team is absent/)
  assert.deepEqual(json.rewrite, { changed: false })
})

test('explain: ?date evaluates retirement on another day', async (t) => {
  const app = await appFor(t)
  const payload = JSON.stringify({ model: 'claude-sonnet-4-20250514', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
  const before = await app.inject({ method: 'POST', url: '/v1/gateway/explain?date=2026-06-14', headers: { ...ADMIN, 'content-type': 'application/json' }, payload })
  const after = await app.inject({ method: 'POST', url: '/v1/gateway/explain?date=2026-06-15', headers: { ...ADMIN, 'content-type': 'application/json' }, payload })
  assert.equal((before.json() as { decision: { targetModel: string } }).decision.targetModel, 'claude-sonnet-4-20250514')
  assert.equal((after.json() as { decision: { targetModel: string } }).decision.targetModel, 'claude-sonnet-4-5')
})

test('explain: an unroutable virtual model is explained, not an error', async (t) => {
  const app = await appFor(t)
  const res = await app.inject({ method: 'POST', url: '/v1/gateway/explain', headers: { ...ADMIN, 'content-type': 'application/json' }, payload: JSON.stringify({ model: 'claude-auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) })
  assert.equal(res.statusCode, 200)
  const json = res.json() as { decision: { unroutable: string }; rewrite: unknown }
  assert.match(json.decision.unroutable, /no rule maps the virtual model "claude-auto"/)
  assert.equal(json.rewrite, null)
})

const BAD: Array<{ name: string; payload: string; url?: string; status: number; message: RegExp }> = [
  { name: 'not JSON', payload: '{nope', status: 400, message: /not valid JSON/ },
  { name: 'empty body', payload: '', status: 400, message: /empty/ },
  { name: 'no model', payload: JSON.stringify({ max_tokens: 1, messages: [] }), status: 400, message: /^model: Field required/ },
  { name: 'messages not a list', payload: JSON.stringify({ model: 'm', max_tokens: 1, messages: 'hi' }), status: 400, message: /^messages: Field required/ },
  { name: 'bad date', payload: body(), url: '/v1/gateway/explain?date=tomorrow', status: 400, message: /^date: must be YYYY-MM-DD/ },
  { name: 'bad random', payload: body(), url: '/v1/gateway/explain?random=2', status: 400, message: /^random: must be a number in \[0, 1\)/ }
]

for (const row of BAD) {
  test(`explain: ${row.name} → ${row.status} invalid_request_error`, async (t) => {
    const app = await appFor(t)
    const res = await app.inject({ method: 'POST', url: row.url ?? '/v1/gateway/explain', headers: { ...ADMIN, 'content-type': 'application/json' }, payload: row.payload })
    assert.equal(res.statusCode, row.status)
    const json = res.json() as { type: string; error: { type: string; message: string } }
    assert.equal(json.type, 'error')
    assert.equal(json.error.type, 'invalid_request_error')
    assert.match(json.error.message, row.message)
  })
}

test('explain is an admin surface: 404 while ADMIN_TOKEN is unset, 401 without its bearer token, on both paths', async (t) => {
  const closed = await appFor(t, null)
  const open = await appFor(t)
  for (const url of ['/admin/explain', '/v1/gateway/explain']) {
    const disabled = await closed.inject({ method: 'POST', url, headers: { ...ADMIN, 'content-type': 'application/json' }, payload: body() })
    assert.equal(disabled.statusCode, 404, url)
    assert.equal((disabled.json() as { error: { type: string } }).error.type, 'not_found_error')
    assert.doesNotMatch(disabled.body, /support/, 'no rule leaks')
    const anonymous = await open.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body() })
    assert.equal(anonymous.statusCode, 401, url)
    assert.equal((anonymous.json() as { error: { type: string } }).error.type, 'authentication_error')
    assert.doesNotMatch(anonymous.body, /support/, 'no rule leaks')
    const wrong = await open.inject({ method: 'POST', url, headers: { authorization: 'Bearer nope', 'content-type': 'application/json', 'x-team': 'support' }, payload: body() })
    assert.equal(wrong.statusCode, 401, url)
    const allowed = await open.inject({ method: 'POST', url, headers: { ...ADMIN, 'content-type': 'application/json', 'x-team': 'support' }, payload: body() })
    assert.equal(allowed.statusCode, 200, url)
    assert.equal((allowed.json() as { decision: { rule: string } }).decision.rule, 'support')
  }
})
