import { test } from 'node:test'
import assert from 'node:assert/strict'
import { policyIssues, policyOf } from './fixtures.js'

// Each invalid policy gives exactly its issue, with its path.
const INVALID: Array<{ name: string; yaml: string; issues: string[] }> = [
  { name: 'routes not a list', yaml: 'routes: { name: x }', issues: ['routes: must be a list, got a mapping'] },
  { name: 'route not a mapping', yaml: 'routes: [oops]', issues: ['routes[0]: must be a mapping, got the string "oops"'] },
  { name: 'missing name and action', yaml: 'routes: [{ match: {} }]', issues: ['routes[0].name: required', 'routes[0].action: required (model, split, fallback or cache)'] },
  { name: 'bad rule name', yaml: 'routes: [{ name: "has space", action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].name: "has space" must be 1–64 letters, digits, _ . : or - (it becomes a header value and a metric label)'] },
  { name: 'duplicate rule name', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5 } }, { name: a, action: { model: claude-haiku-4-5 } }]', issues: ['routes[1].name: duplicate rule name "a"'] },
  { name: 'unknown mode', yaml: 'routes: [{ name: a, mode: dry-run, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].mode: must be one of enforce, shadow, got the string "dry-run"'] },
  { name: 'renamed key weight → split', yaml: 'routes: [{ name: a, action: { weight: { claude-haiku-4-5: 1 } } }]', issues: ['routes[0].action.weight: unknown key "weight"; did you mean split?'] },
  { name: 'typo fallbacks → fallback', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, fallbacks: [claude-sonnet-4-5] } }]', issues: ['routes[0].action.fallbacks: unknown key "fallbacks"; did you mean fallback?'] },
  { name: 'typo in a match key', yaml: 'routes: [{ name: a, match: { max_input_token: 5 }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.max_input_token: unknown key "max_input_token"; did you mean max_input_tokens?'] },
  { name: 'headers → header in match', yaml: 'routes: [{ name: a, match: { headers: { x-team: a } }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.headers: unknown key "headers"; did you mean header?'] },
  { name: 'shadow: true → mode: shadow', yaml: 'routes: [{ name: a, shadow: true, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].shadow: unknown key "shadow"; did you mean mode: shadow?'] },
  { name: 'an unrelated unknown key lists the allowed ones', yaml: 'routes: [{ name: a, zzz: 1, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].zzz: unknown key "zzz" (allowed: name, match, action, mode, prompt_cache)'] },
  { name: 'invalid regex', yaml: 'routes: [{ name: a, match: { system_matches: "(?i)classif(" }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.system_matches: invalid regular expression: /classif(/i: Unterminated group'] },
  { name: 'unknown target with a suggestion', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4.5 } }]', issues: ['routes[0].action.model: unknown model "claude-haiku-4.5" (not in the model catalog or virtual_models); did you mean claude-haiku-4-5?'] },
  { name: 'unknown fallback', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, fallback: [gpt-4o] } }]', issues: ['routes[0].action.fallback[0]: unknown model "gpt-4o" (not in the model catalog)'] },
  { name: 'virtual fallback', yaml: 'virtual_models: [{ id: claude-auto }]\nroutes: [{ name: a, match: { model: claude-auto }, action: { model: claude-haiku-4-5, fallback: [claude-auto] } }]', issues: ['routes[0].action.fallback[0]: "claude-auto" is a virtual model; fallbacks must be real catalog models'] },
  { name: 'model and split together', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, split: { claude-sonnet-4-5: 1 } } }]', issues: ['routes[0].action: has both model and split; use one'] },
  { name: 'split weight zero', yaml: 'routes: [{ name: a, action: { split: { claude-haiku-4-5: 0, claude-sonnet-4-5: 1 } } }]', issues: ['routes[0].action.split.claude-haiku-4-5: weight must be a positive number, got 0'] },
  { name: 'split weight negative', yaml: 'routes: [{ name: a, action: { split: { claude-haiku-4-5: -5 } } }]', issues: ['routes[0].action.split.claude-haiku-4-5: weight must be a positive number, got -5'] },
  { name: 'split weight not a number', yaml: 'routes: [{ name: a, action: { split: { claude-haiku-4-5: ten } } }]', issues: ['routes[0].action.split.claude-haiku-4-5: weight must be a positive number, got ten'] },
  { name: 'split empty', yaml: 'routes: [{ name: a, action: { split: {} } }]', issues: ['routes[0].action.split: needs at least one model: weight'] },
  { name: 'split unknown model', yaml: 'routes: [{ name: a, action: { split: { claude-sonet-4-5: 1 } } }]', issues: ['routes[0].action.split.claude-sonet-4-5: unknown model "claude-sonet-4-5" (not in the model catalog or virtual_models); did you mean claude-sonnet-4-5?'] },
  { name: 'sticky without split', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, sticky: metadata_user_id } }]', issues: ['routes[0].action.sticky: only applies to a split; add split or remove sticky'] },
  { name: 'sticky not a header name', yaml: 'routes: [{ name: a, action: { split: { claude-haiku-4-5: 1 }, sticky: "not a header" } }]', issues: ['routes[0].action.sticky: "not a header" is neither metadata_user_id nor a header name'] },
  { name: 'empty action', yaml: 'routes: [{ name: a, action: {} }]', issues: ['routes[0].action: is empty: give model, split, fallback or cache'] },
  { name: 'cache: true', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, cache: true } }]', issues: ['routes[0].action.cache: use an object such as { ttl: 10m } (or false to turn caching off for this route)'] },
  { name: 'cache ttl not a duration', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, cache: { ttl: 600 } } }]', issues: ['routes[0].action.cache.ttl: must be a duration such as 500ms, 10s, 10m or 1h, got number 600'] },
  { name: 'cache ttl below a second', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, cache: { ttl: 500ms } } }]', issues: ['routes[0].action.cache.ttl: must be whole seconds, at least 1s'] },
  { name: 'cache ttl_seconds → ttl', yaml: 'routes: [{ name: a, action: { model: claude-haiku-4-5, cache: { ttl_seconds: 5 } } }]', issues: ['routes[0].action.cache.ttl_seconds: unknown key "ttl_seconds"; did you mean ttl?'] },
  { name: 'max_input_tokens negative', yaml: 'routes: [{ name: a, match: { max_input_tokens: -1 }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.max_input_tokens: must be an integer ≥ 0, got number -1'] },
  { name: 'min above max', yaml: 'routes: [{ name: a, match: { max_input_tokens: 10, min_input_tokens: 20 }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.min_input_tokens: 20 is above max_input_tokens 10: the rule can never match'] },
  { name: 'has_tools not a boolean', yaml: 'routes: [{ name: a, match: { has_tools: "no" }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.has_tools: must be true or false, got the string "no"'] },
  { name: 'model glob not a string', yaml: 'routes: [{ name: a, match: { model: 5 }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.model: must be a glob or a non-empty list of globs, got number 5'] },
  { name: 'empty model list', yaml: 'routes: [{ name: a, match: { model: [] }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.model: must be a glob or a non-empty list of globs, got a list'] },
  { name: 'bad header name', yaml: 'routes: [{ name: a, match: { header: { "x team": a } }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].match.header["x team"]: "x team" is not a valid header name'] },
  { name: 'virtual model colliding with the catalog', yaml: 'virtual_models: [{ id: claude-haiku-4-5-20251001 }]', issues: ['virtual_models[0].id: "claude-haiku-4-5-20251001" is already a catalog model (claude-haiku-4-5); pick a name that exists only in the gateway'] },
  { name: 'virtual model without a rule', yaml: 'virtual_models: [{ id: claude-auto }]\nroutes: [{ name: a, match: { model: claude-sonnet-* }, action: { model: claude-haiku-4-5 } }]', issues: ['virtual_models[0].id: virtual model "claude-auto" is not mapped by any rule; add a route whose match.model matches it and whose action names a model'] },
  { name: 'virtual model mapped only by a shadow rule', yaml: 'virtual_models: [{ id: claude-auto }]\nroutes: [{ name: a, mode: shadow, match: { model: claude-auto }, action: { model: claude-haiku-4-5 } }]', issues: ['virtual_models[0].id: virtual model "claude-auto" is not mapped by any rule; add a route whose match.model matches it and whose action names a model'] },
  { name: 'virtual model without id', yaml: 'virtual_models: [{ display_name: Auto }]', issues: ['virtual_models[0].id: required'] },
  { name: 'duplicate virtual model', yaml: 'virtual_models: [{ id: claude-auto }, { id: claude-auto }]\nroutes: [{ name: a, match: { model: claude-auto }, action: { model: claude-haiku-4-5 } }]', issues: ['virtual_models[1].id: duplicate virtual model "claude-auto"'] }
]

for (const row of INVALID) {
  test(`policy issue: ${row.name}`, () => assert.deepEqual(policyIssues(row.yaml), row.issues))
}

test('every issue is collected, not just the first', () => {
  const issues = policyIssues(`
routes:
  - { name: a, action: { model: nope } }
  - { name: b, match: { system_matches: "(" }, action: { model: claude-haiku-4-5 } }
  - { name: c, action: { split: { claude-haiku-4-5: 0 } } }
`)
  assert.deepEqual(issues.map((issue) => issue.split(':')[0]), ['routes[0].action.model', 'routes[1].match.system_matches', 'routes[2].action.split.claude-haiku-4-5'])
})

test('a valid policy compiles: names, virtual models with display names, header names lower-cased', () => {
  const policy = policyOf(`
virtual_models:
  - { id: claude-auto, display_name: Auto (cheapest that fits), description: Picked per request }
  - { id: claude-fast }
routes:
  - { name: auto, match: { model: [claude-auto, claude-fast], header: { X-Team: support } }, action: { model: claude-haiku-4-5 } }
  - { name: canary, mode: shadow, action: { split: { claude-haiku-4-5: 1, claude-sonnet-4-5: 3 }, sticky: X-Conversation }, match: {} }
`)
  assert.deepEqual(policy.ruleNames, ['auto', 'canary'])
  assert.deepEqual(policy.virtualModels, [
    { id: 'claude-auto', displayName: 'Auto (cheapest that fits)', description: 'Picked per request' },
    { id: 'claude-fast', displayName: 'claude-fast' }
  ])
  assert.equal(policy.rules[0]?.match.headers[0]?.name, 'x-team')
  assert.deepEqual(policy.rules[1]?.sticky, { kind: 'header', name: 'x-conversation' })
  assert.deepEqual(policy.rules[1]?.target, { kind: 'split', choices: [{ model: 'claude-haiku-4-5', weight: 1 }, { model: 'claude-sonnet-4-5', weight: 3 }], totalWeight: 4 })
  assert.equal(policy.rules[1]?.isShadow, true)
})

test('a rule with no model condition maps virtual models too', () => {
  assert.doesNotThrow(() => policyOf('virtual_models: [{ id: claude-auto }]\nroutes: [{ name: all, action: { model: claude-haiku-4-5 } }]'))
})
