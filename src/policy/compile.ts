// Pure. Turns the file's `routes:` and `virtual_models:` into the CompiledPolicy `decide` reads:
// globs and regexes compiled once, every model name checked against the catalog, every issue
// collected with its path. Unknown keys are reported by the Checker (names from config/schema.ts).

import type { ModelCatalog } from '../catalog/types.js'
import { Checker, pathOf } from '../config/checker.js'
import { NAME_PATTERN } from '../config/schema.js'
import { suggest } from '../config/suggest.js'
import { compileGlobs, compileRegex } from './patterns.js'
import type { CompiledMatch, CompiledPattern, CompiledPolicy, CompiledRule, CompiledTarget, RuleCacheDirective, StickyKey, VirtualModel } from './types.js'

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const RULE_NAME = new RegExp(NAME_PATTERN)

interface Context {
  check: Checker
  catalog: ModelCatalog
  virtualIds: ReadonlySet<string>
}

/**
 * @example compilePolicy({ routes: [{ name: 'r', action: { model: 'claude-haiku-4-5' } }] }, catalog, new Checker())
 */
export function compilePolicy (raw: { routes?: unknown; virtual_models?: unknown }, catalog: ModelCatalog, check: Checker): CompiledPolicy {
  const virtualModels = compileVirtualModels(raw.virtual_models, catalog, check)
  const ctx: Context = { check, catalog, virtualIds: new Set(virtualModels.map((model) => model.id)) }
  const rules: CompiledRule[] = []
  const seen = new Set<string>()
  const issuesBefore = check.issues.length
  const list = check.array(raw.routes, 'routes') ?? []
  list.forEach((entry, i) => {
    const rule = compileRoute(entry, pathOf('routes', i), ctx)
    if (rule === null) return
    if (seen.has(rule.name)) check.add(pathOf(pathOf('routes', i), 'name'), `duplicate rule name "${rule.name}"`)
    seen.add(rule.name)
    rules.push(rule)
  })
  // A broken rule is left out of `rules`: don't also blame the virtual model it would have mapped.
  const routesOk = check.issues.length === issuesBefore
  virtualModels.forEach((virtual, i) => {
    if (!routesOk) return
    const mapped = rules.some((rule) => !rule.isShadow && rule.target.kind !== 'keep' && (rule.match.model === null || rule.match.model.regex.test(virtual.id)))
    if (!mapped) check.add(pathOf(pathOf('virtual_models', i), 'id'), `virtual model "${virtual.id}" is not mapped by any rule; add a route whose match.model matches it and whose action names a model`)
  })
  return { ruleNames: rules.map((rule) => rule.name), virtualModels, rules }
}

function compileVirtualModels (raw: unknown, catalog: ModelCatalog, check: Checker): VirtualModel[] {
  const models: VirtualModel[] = []
  const list = check.array(raw, 'virtual_models') ?? []
  list.forEach((entry, i) => {
    const path = pathOf('virtual_models', i)
    const fields = check.object(entry, path, 'virtual_model')
    if (fields === null) return
    const id = check.string(fields.id, pathOf(path, 'id'))
    if (fields.id === undefined) check.add(pathOf(path, 'id'), 'required')
    const displayName = check.string(fields.display_name, pathOf(path, 'display_name'))
    const description = check.string(fields.description, pathOf(path, 'description'))
    if (id === null) return
    const real = catalog.resolve(id)
    if (real !== undefined) return void check.add(pathOf(path, 'id'), `"${id}" is already a catalog model (${real.id}); pick a name that exists only in the gateway`)
    if (models.some((model) => model.id === id)) return void check.add(pathOf(path, 'id'), `duplicate virtual model "${id}"`)
    models.push({ id, displayName: displayName ?? id, ...(description === null ? {} : { description }) })
  })
  return models
}

function compileRoute (raw: unknown, path: string, ctx: Context): CompiledRule | null {
  const { check } = ctx
  const fields = check.object(raw, path, 'route')
  if (fields === null) return null
  if (fields.name === undefined) check.add(pathOf(path, 'name'), 'required')
  if (fields.action === undefined) check.add(pathOf(path, 'action'), 'required (model, split, fallback or cache)')
  const name = check.string(fields.name, pathOf(path, 'name'), { pattern: RULE_NAME, patternHint: 'must be 1–64 letters, digits, _ . : or - (it becomes a header value and a metric label)' })
  const mode = check.oneOf(fields.mode, pathOf(path, 'mode'), ['enforce', 'shadow'] as const)
  const promptCache = check.oneOf(fields.prompt_cache, pathOf(path, 'prompt_cache'), ['protect', 'ignore'] as const)
  const match = compileMatch(fields.match, pathOf(path, 'match'), check)
  const action = compileAction(fields.action, pathOf(path, 'action'), ctx)
  if (name === null || match === null || action === null) return null
  return { name, isShadow: mode === 'shadow', match, ...action, promptCache: promptCache ?? 'protect' }
}

function compileMatch (raw: unknown, path: string, check: Checker): CompiledMatch | null {
  const fields = raw === undefined ? {} : check.object(raw, path, 'match')
  if (fields === null) return null
  const before = check.issues.length
  const globs = (value: unknown, at: string): CompiledPattern | null => {
    const list = check.globs(value, at)
    return list === null ? null : compileGlobs(list)
  }
  const headers: { name: string; pattern: CompiledPattern }[] = []
  const headerMap = check.map(fields.header, pathOf(path, 'header')) ?? {}
  for (const [name, value] of Object.entries(headerMap)) {
    const at = pathOf(pathOf(path, 'header'), name)
    if (!HEADER_NAME.test(name)) check.add(at, `"${name}" is not a valid header name`)
    const pattern = globs(value, at)
    if (pattern !== null) headers.push({ name: name.toLowerCase(), pattern })
  }
  let systemMatches: CompiledPattern | null = null
  const source = check.string(fields.system_matches, pathOf(path, 'system_matches'))
  if (source !== null) {
    const compiled = compileRegex(source)
    if ('error' in compiled) check.add(pathOf(path, 'system_matches'), compiled.error)
    else systemMatches = compiled
  }
  const maxInputTokens = check.integer(fields.max_input_tokens, pathOf(path, 'max_input_tokens'), 0)
  const minInputTokens = check.integer(fields.min_input_tokens, pathOf(path, 'min_input_tokens'), 0)
  if (maxInputTokens !== null && minInputTokens !== null && minInputTokens > maxInputTokens) {
    check.add(pathOf(path, 'min_input_tokens'), `${minInputTokens} is above max_input_tokens ${maxInputTokens}: the rule can never match`)
  }
  const match: CompiledMatch = {
    model: globs(fields.model, pathOf(path, 'model')),
    headers,
    metadataUserId: globs(fields.metadata_user_id, pathOf(path, 'metadata_user_id')),
    maxInputTokens,
    minInputTokens,
    hasTools: check.boolean(fields.has_tools, pathOf(path, 'has_tools')),
    hasImages: check.boolean(fields.has_images, pathOf(path, 'has_images')),
    thinking: check.boolean(fields.thinking, pathOf(path, 'thinking')),
    systemMatches
  }
  return check.issues.length === before ? match : null
}

type CompiledAction = Pick<CompiledRule, 'target' | 'fallbacks' | 'sticky' | 'cache'>

function compileAction (raw: unknown, path: string, ctx: Context): CompiledAction | null {
  const { check } = ctx
  const fields = check.object(raw, path, 'action')
  if (fields === null) return null
  const before = check.issues.length
  if (Object.keys(fields).length === 0) check.add(path, 'is empty: give model, split, fallback or cache')
  if (fields.model !== undefined && fields.split !== undefined) check.add(path, 'has both model and split; use one')
  let target: CompiledTarget = { kind: 'keep' }
  const model = check.string(fields.model, pathOf(path, 'model'))
  if (model !== null && checkModel(model, pathOf(path, 'model'), ctx, true)) target = { kind: 'model', model }
  const split = compileSplit(fields.split, pathOf(path, 'split'), ctx)
  if (split !== null) target = split
  const fallbacks: string[] = []
  const fallbackList = check.array(fields.fallback, pathOf(path, 'fallback')) ?? []
  fallbackList.forEach((entry, i) => {
    const name = check.string(entry, pathOf(pathOf(path, 'fallback'), i))
    if (name !== null && checkModel(name, pathOf(pathOf(path, 'fallback'), i), ctx, false)) fallbacks.push(name)
  })
  const sticky = compileSticky(fields.sticky, pathOf(path, 'sticky'), check)
  if (sticky !== null && fields.split === undefined) check.add(pathOf(path, 'sticky'), 'only applies to a split; add split or remove sticky')
  const cache = compileCacheDirective(fields.cache, pathOf(path, 'cache'), check)
  if (check.issues.length !== before) return null
  return { target, fallbacks, sticky, cache }
}

function compileSplit (raw: unknown, path: string, ctx: Context): CompiledTarget | null {
  const weights = ctx.check.map(raw, path)
  if (weights === null) return null
  const choices: { model: string; weight: number }[] = []
  for (const [model, weight] of Object.entries(weights)) {
    const at = pathOf(path, model)
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      ctx.check.add(at, `weight must be a positive number, got ${String(weight)}`)
      continue
    }
    if (checkModel(model, at, ctx, true)) choices.push({ model, weight })
  }
  if (Object.keys(weights).length === 0) ctx.check.add(path, 'needs at least one model: weight')
  return { kind: 'split', choices, totalWeight: choices.reduce((sum, choice) => sum + choice.weight, 0) }
}

function compileSticky (raw: unknown, path: string, check: Checker): StickyKey | null {
  const key = check.string(raw, path)
  if (key === null) return null
  if (key === 'metadata_user_id') return { kind: 'metadata_user_id' }
  if (!HEADER_NAME.test(key)) {
    check.add(path, `"${key}" is neither metadata_user_id nor a header name`)
    return null
  }
  return { kind: 'header', name: key.toLowerCase() }
}

function compileCacheDirective (raw: unknown, path: string, check: Checker): RuleCacheDirective | undefined {
  if (raw === undefined) return undefined
  if (raw === false) return false
  if (raw === true) {
    check.add(path, 'use an object such as { ttl: 10m } (or false to turn caching off for this route)')
    return undefined
  }
  const fields = check.object(raw, path, 'action_cache')
  if (fields === null) return undefined
  const directive: { ttlSeconds?: number; mode?: 'deterministic' | 'all' } = {}
  const ttlMs = check.durationMs(fields.ttl, pathOf(path, 'ttl'))
  if (ttlMs !== null) {
    if (ttlMs < 1000 || ttlMs % 1000 !== 0) check.add(pathOf(path, 'ttl'), 'must be whole seconds, at least 1s')
    else directive.ttlSeconds = ttlMs / 1000
  }
  const mode = check.oneOf(fields.mode, pathOf(path, 'mode'), ['deterministic', 'all'] as const)
  if (mode !== null) directive.mode = mode
  return directive
}

/** A target must be a catalog model or (where allowed) a virtual one; suggests near names. */
function checkModel (model: string, path: string, ctx: Context, virtualAllowed: boolean): boolean {
  if (ctx.catalog.resolve(model) !== undefined) return true
  if (ctx.virtualIds.has(model)) {
    if (virtualAllowed) return true
    ctx.check.add(path, `"${model}" is a virtual model; fallbacks must be real catalog models`)
    return false
  }
  const known = ctx.catalog.models.flatMap((entry) => [entry.id, ...entry.aliases]).concat([...ctx.virtualIds])
  const near = suggest(model, known)
  ctx.check.add(path, `unknown model "${model}" (not in the model catalog${virtualAllowed ? ' or virtual_models' : ''})${near === null ? '' : `; did you mean ${near}?`}`)
  return false
}
