// Shared by the policy unit tests: a small real ModelCatalog (not a mock: it implements the
// interface), a policy compiler from YAML text, and a request builder.

import { parse as parseYaml } from 'yaml'
import type { CatalogModel, ModelCapabilities, ModelCatalog } from '../../../src/catalog/types.js'
import { Checker } from '../../../src/config/checker.js'
import { compilePolicy } from '../../../src/policy/compile.js'
import type { CompiledPolicy } from '../../../src/policy/types.js'
import type { MessagesRequest } from '../../../src/types/anthropic.js'

const CLAUDE_45: ModelCapabilities = {
  contextWindow: 200_000,
  maxOutputTokens: 64_000,
  vision: true,
  thinkingTypes: ['enabled', 'disabled'],
  sampling: 'all',
  inferenceGeo: false,
  fastMode: false,
  prefill: true
}
const PRICES = [{ effectiveFrom: '2025-01-01', base: { input: 1, cacheWrite5m: 1, cacheWrite1h: 1, cacheRead: 1, output: 1 } }]

function model (id: string, aliases: string[], capabilities: Partial<ModelCapabilities>, lifecycle: { retiresAt?: string; replacement?: string } = {}): CatalogModel {
  return { id, displayName: id, aliases, capabilities: { ...CLAUDE_45, ...capabilities }, prices: PRICES, ...lifecycle }
}

export const MODELS: CatalogModel[] = [
  model('claude-haiku-4-5', ['claude-haiku-4-5-20251001'], {}),
  model('claude-sonnet-4-5', ['claude-sonnet-4-5-20250929'], {}),
  model('claude-opus-4-6', [], {
    contextWindow: 1_000_000, maxOutputTokens: 128_000, thinkingTypes: ['enabled', 'disabled', 'adaptive'],
    sampling: 'restricted', inferenceGeo: true, fastMode: true, prefill: false
  }),
  model('claude-3-haiku', ['claude-3-haiku-20240307'], { maxOutputTokens: 4096, thinkingTypes: [] }, { retiresAt: '2026-04-20', replacement: 'claude-haiku-4-5' }),
  model('claude-3-5-haiku', ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-latest'], { maxOutputTokens: 8192, thinkingTypes: [] }, { retiresAt: '2026-02-19', replacement: 'claude-3-haiku' }),
  model('claude-text-small', [], { contextWindow: 100_000, maxOutputTokens: 8192, vision: false, thinkingTypes: [] }),
  model('claude-small-thinker', [], { maxOutputTokens: 8192 }),
  model('claude-orphan', [], {}, { retiresAt: '2026-01-01' })
]

export function catalogOf (models: readonly CatalogModel[]): ModelCatalog {
  const byName = new Map<string, CatalogModel>()
  for (const entry of models) {
    byName.set(entry.id, entry)
    for (const alias of entry.aliases) byName.set(alias, entry)
  }
  return { models, resolve: (id) => byName.get(id.replace(/\[1m\]$/, '')) }
}

export const catalog = catalogOf(MODELS)

/** Compiles `routes:`/`virtual_models:` YAML against the fixture catalog; throws on issues. */
export function policyOf (yaml: string): CompiledPolicy {
  const check = new Checker()
  const raw = (parseYaml(yaml) ?? {}) as { routes?: unknown; virtual_models?: unknown }
  const policy = compilePolicy(raw, catalog, check)
  if (check.issues.length > 0) throw new Error(check.issues.map((i) => `${i.path}: ${i.message}`).join('\n'))
  return policy
}

/** The issues compiling `yaml` gives, as `path: message` lines. */
export function policyIssues (yaml: string): string[] {
  const check = new Checker()
  compilePolicy((parseYaml(yaml) ?? {}) as { routes?: unknown; virtual_models?: unknown }, catalog, check)
  return check.issues.map((i) => `${i.path}: ${i.message}`)
}

export function request (overrides: Partial<MessagesRequest> = {}): MessagesRequest {
  return { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }], ...overrides }
}

export const TODAY = '2026-03-01'
