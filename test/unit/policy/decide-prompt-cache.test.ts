// decide() with a prompt-cache view (looked up at the edge, passed in as data): a downgrade rule
// is protected against when the warm cache makes it lose money, per-rule `prompt_cache: ignore`,
// and a thinking tool turn pinned to the model that signed it. Real catalog prices.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parse as parseYaml } from 'yaml'
import { Checker } from '../../../src/config/checker.js'
import { compilePolicy } from '../../../src/policy/compile.js'
import { decide } from '../../../src/policy/decide.js'
import { toRoutingInput } from '../../../src/policy/input.js'
import { explain } from '../../../src/policy/explain.js'
import type { CompiledPolicy, Decision } from '../../../src/policy/types.js'
import type { PromptCacheView, WarmPrefix } from '../../../src/prompt-cache/state.js'
import { catalog, ISO_DATE } from '../prompt-cache/real-catalog.js'

function policy (yaml: string): CompiledPolicy {
  const check = new Checker()
  const compiled = compilePolicy(parseYaml(yaml) as { routes?: unknown }, catalog, check)
  assert.deepEqual(check.issues, [])
  return compiled
}

const DOWNGRADE = policy(`
routes:
  - name: downgrade
    match: { model: claude-sonnet-4-5 }
    action: { model: claude-haiku-4-5, fallback: [claude-haiku-4-5-20251001] }
`)
const DOWNGRADE_IGNORING = policy(`
routes:
  - name: downgrade
    prompt_cache: ignore
    match: { model: claude-sonnet-4-5 }
    action: { model: claude-haiku-4-5 }
`)

/** The prompt after the warm prefix: ~2K of the ~52K estimated tokens for a 50K prefix. */
const warm = (model: string, tokens: number): WarmPrefix => ({ model, tokens, ttl: '5m', expiresAtMs: 1e15, outputTokens: 500, tailShare: 1 - tokens / 52_000 })
const view = (asSent: WarmPrefix[], reshaped: WarmPrefix[] = asSent, thinkingSigner: string | null = null): PromptCacheView => ({ nowMs: 0, lastTtl: '5m', asSent, reshaped, thinkingSigner })

/** A request whose estimate is about 52K tokens (the warm 50K prefix plus a new question). */
const BODY = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'x'.repeat(182_000) }] }

function decideWith (compiled: CompiledPolicy, promptCache: PromptCacheView | null): Decision {
  const input = toRoutingInput(BODY, {})
  input.promptCache = promptCache
  return decide(input, compiled, catalog, 0.5, ISO_DATE, { trace: true })
}

interface Row { name: string; policy: CompiledPolicy; view: PromptCacheView | null; target: string; outcome: string | null; reason?: string; fallbacks?: string[] }
const ROWS: Row[] = [
  { name: 'no state known: the rule moves the request', policy: DOWNGRADE, view: null, target: 'claude-haiku-4-5', outcome: null, fallbacks: ['claude-haiku-4-5-20251001'] },
  { name: 'Sonnet warm, Haiku cold: protected, the request stays (no fallbacks to other caches)', policy: DOWNGRADE, view: view([warm('claude-sonnet-4-5', 50_000)]), target: 'claude-sonnet-4-5', outcome: 'protected', reason: 'prompt_cache_warm', fallbacks: [] },
  { name: 'prompt_cache: ignore moves anyway, and says so', policy: DOWNGRADE_IGNORING, view: view([warm('claude-sonnet-4-5', 50_000)]), target: 'claude-haiku-4-5', outcome: 'ignored', reason: 'prompt_cache_warm' },
  { name: 'Haiku warm too (for the body it receives): the move is cheaper', policy: DOWNGRADE, view: view([warm('claude-sonnet-4-5', 50_000)], [warm('claude-sonnet-4-5', 50_000), warm('claude-haiku-4-5', 50_000)]), target: 'claude-haiku-4-5', outcome: 'moved', reason: 'move_cheaper' },
  { name: 'Haiku warm only for the body as sent (not what it would receive): still protected', policy: DOWNGRADE, view: view([warm('claude-sonnet-4-5', 50_000), warm('claude-haiku-4-5', 50_000)], [warm('claude-sonnet-4-5', 50_000)]), target: 'claude-sonnet-4-5', outcome: 'protected' },
  { name: 'a tiny warm prefix does not stop a real saving', policy: DOWNGRADE, view: view([warm('claude-sonnet-4-5', 1_000)]), target: 'claude-haiku-4-5', outcome: 'moved', reason: 'move_cheaper' }
]

for (const row of ROWS) {
  test(`decide with prompt cache: ${row.name}`, () => {
    const decision = decideWith(row.policy, row.view)
    assert.equal(decision.targetModel, row.target)
    assert.equal(decision.promptCache?.outcome ?? null, row.outcome)
    if (row.reason !== undefined) assert.equal(decision.promptCache?.reason, row.reason)
    if (row.fallbacks !== undefined) assert.deepEqual(decision.fallbacks, row.fallbacks)
  })
}

test('decide with prompt cache: the protected decision carries both estimates, and explain says why', () => {
  const input = toRoutingInput(BODY, {})
  input.promptCache = view([warm('claude-sonnet-4-5', 50_000)])
  const decision = decide(input, DOWNGRADE, catalog, 0.5, ISO_DATE, { trace: true })
  assert.equal(decision.rule, 'downgrade')
  assert.ok(decision.promptCache !== null)
  assert.ok(decision.promptCache.movePicoUsd > decision.promptCache.stayPicoUsd)
  assert.equal(decision.promptCache.warmModel, 'claude-sonnet-4-5')
  assert.equal(decision.promptCache.targetModel, 'claude-haiku-4-5')
  assert.match(decision.reason, /prompt_cache_warm/)
  const text = explain(decision, input)
  assert.match(text.summary, /kept on claude-sonnet-4-5 \(prompt_cache_warm\)/)
  assert.match(text.rules[0] ?? '', /keeps claude-sonnet-4-5 \(prompt_cache_warm\)/)
})

test('decide: a thinking tool turn signed by Haiku goes to Haiku even where no rule sends it there', () => {
  const keep = policy('routes: []')
  const decision = decideWith(keep, view([], [], 'claude-haiku-4-5'))
  assert.equal(decision.targetModel, 'claude-haiku-4-5')
  assert.match(decision.reason, /pinned to claude-haiku-4-5/)
})

test('decide: a thinking tool turn signed by Sonnet is not moved by a downgrade rule (skipped: thinking_signature)', () => {
  const decision = decideWith(DOWNGRADE, view([], [], 'claude-sonnet-4-5'))
  assert.equal(decision.targetModel, 'claude-sonnet-4-5')
  assert.deepEqual(decision.skipped.map((s) => s.reason), ['thinking_signature'])
})

test('decide: protection never keeps a tool turn on a model that did not sign it', () => {
  // Sonnet is warm, but Haiku answered the previous step: the turn must go to Haiku.
  const decision = decideWith(DOWNGRADE, view([warm('claude-sonnet-4-5', 50_000)], [warm('claude-sonnet-4-5', 50_000)], 'claude-haiku-4-5'))
  assert.equal(decision.targetModel, 'claude-haiku-4-5')
  assert.equal(decision.promptCache, null)
})
