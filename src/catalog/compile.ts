// Pure. Parsed config/models.yaml (+ the policy's `models:` overrides) → the frozen ModelCatalog.
// Collects every issue with its path; prices become integer micro-USD per MTok (exact money math).

import type { ConfigIssue } from '../config/issues.js'
import { isRecord } from '../types/anthropic.js'
import type { CatalogModel, ModelCapabilities, ModelCatalog, PriceRow, PriceSchedule } from './types.js'

const MODEL_KEYS = ['id', 'like', 'display_name', 'aliases', 'context_window', 'max_output_tokens', 'vision', 'thinking_types', 'sampling', 'inference_geo', 'fast_mode', 'prefill', 'retires_at', 'replacement', 'prices']
const SCHEDULE_KEYS = ['effective_from', 'base', 'band', 'fast']
const ROW_KEYS = ['input', 'cache_write_5m', 'cache_write_1h', 'cache_read', 'output']
const THINKING_TYPES = ['enabled', 'disabled', 'adaptive']
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

type Issues = ConfigIssue[]

/**
 * @example compileCatalog(parseYaml(readFileSync('config/models.yaml', 'utf8')))
 */
export function compileCatalog (raw: unknown, overrides?: unknown): { catalog: ModelCatalog } | { issues: ConfigIssue[] } {
  const issues: Issues = []
  if (!isRecord(raw) || !Array.isArray(raw.models)) return { issues: [{ path: 'models', message: 'the catalog must have a `models:` list' }] }
  const entries = new Map<string, Record<string, unknown>>()
  const order: string[] = []
  raw.models.forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry.id !== 'string') { issues.push({ path: `models[${i}].id`, message: 'required (a string)' }); return }
    if (entries.has(entry.id)) { issues.push({ path: `models[${i}].id`, message: `duplicate id "${entry.id}"` }); return }
    entries.set(entry.id, entry)
    order.push(entry.id)
  })
  if (overrides !== undefined && overrides !== null) {
    if (!Array.isArray(overrides)) issues.push({ path: 'models', message: 'must be a list of model entries' })
    else {
      overrides.forEach((entry, i) => {
        if (!isRecord(entry) || typeof entry.id !== 'string') { issues.push({ path: `models[${i}].id`, message: 'required (a string)' }); return }
        const existing = entries.get(entry.id)
        if (existing === undefined) order.push(entry.id)
        // `like: <known id>` starts a new model from a known one (day-one models): everything but
        // its names is inherited, and the entry's own keys override.
        let base: Record<string, unknown> = existing ?? {}
        if (entry.like !== undefined) {
          const parent = typeof entry.like === 'string' ? findEntry(entries, entry.like) : undefined
          if (parent === undefined) issues.push({ path: `models[${i}].like`, message: `unknown model "${String(entry.like)}" (like: must name a catalog model or alias)` })
          else base = { ...parent, display_name: entry.id, aliases: [], retires_at: undefined, replacement: undefined, __path: undefined }
        }
        const { like: _like, ...own } = entry
        entries.set(entry.id, { ...base, ...own, __path: `models[${i}]` })
      })
    }
  }
  const models: CatalogModel[] = []
  for (const id of order) {
    const entry = entries.get(id) as Record<string, unknown>
    const path = typeof entry.__path === 'string' ? entry.__path : `models[${order.indexOf(id)}]`
    const model = compileModel(entry, path, issues)
    if (model !== null) models.push(model)
  }
  const byName = new Map<string, CatalogModel>()
  for (const model of models) {
    for (const name of [model.id, ...model.aliases]) {
      const clash = byName.get(name)
      if (clash !== undefined && clash !== model) issues.push({ path: `models.${model.id}`, message: `name "${name}" is also used by ${clash.id}` })
      byName.set(name, model)
    }
  }
  for (const model of models) {
    if (model.replacement !== undefined && !byName.has(model.replacement)) {
      issues.push({ path: `models.${model.id}.replacement`, message: `unknown model "${model.replacement}"` })
    }
  }
  if (issues.length > 0) return { issues }
  const resolve = (modelId: string): CatalogModel | undefined =>
    byName.get(modelId) ?? (modelId.endsWith('[1m]') ? byName.get(modelId.slice(0, -4)) : undefined)
  // Arrays stay unfrozen (readonly in type): V8 deoptimises `for…of` over frozen arrays.
  return { catalog: Object.freeze({ models, resolve }) }
}

function findEntry (entries: Map<string, Record<string, unknown>>, name: string): Record<string, unknown> | undefined {
  const direct = entries.get(name)
  if (direct !== undefined) return direct
  for (const entry of entries.values()) if (Array.isArray(entry.aliases) && entry.aliases.includes(name)) return entry
  return undefined
}

function compileModel (entry: Record<string, unknown>, path: string, issues: Issues): CatalogModel | null {
  const before = issues.length
  for (const key of Object.keys(entry)) {
    if (key !== '__path' && !MODEL_KEYS.includes(key)) issues.push({ path: `${path}.${key}`, message: `unknown key (expected one of ${MODEL_KEYS.join(', ')})` })
  }
  const id = entry.id as string
  const displayName = typeof entry.display_name === 'string' ? entry.display_name : id
  const aliases = stringList(entry.aliases ?? [], `${path}.aliases`, issues)
  const thinkingTypes = stringList(entry.thinking_types ?? [], `${path}.thinking_types`, issues)
  for (const type of thinkingTypes) if (!THINKING_TYPES.includes(type)) issues.push({ path: `${path}.thinking_types`, message: `"${type}" is not one of ${THINKING_TYPES.join(', ')}` })
  if (entry.sampling !== 'all' && entry.sampling !== 'restricted') issues.push({ path: `${path}.sampling`, message: 'must be "all" or "restricted"' })
  const capabilities: ModelCapabilities = {
    contextWindow: positiveInt(entry.context_window, `${path}.context_window`, issues),
    maxOutputTokens: positiveInt(entry.max_output_tokens, `${path}.max_output_tokens`, issues),
    vision: bool(entry.vision, `${path}.vision`, issues),
    thinkingTypes,
    sampling: entry.sampling === 'restricted' ? 'restricted' : 'all',
    inferenceGeo: bool(entry.inference_geo, `${path}.inference_geo`, issues),
    fastMode: bool(entry.fast_mode, `${path}.fast_mode`, issues),
    prefill: bool(entry.prefill, `${path}.prefill`, issues)
  }
  const retiresAt = entry.retires_at === undefined ? undefined : isoDate(entry.retires_at, `${path}.retires_at`, issues)
  const replacement = entry.replacement === undefined ? undefined : String(entry.replacement)
  if (!Array.isArray(entry.prices) || entry.prices.length === 0) {
    issues.push({ path: `${path}.prices`, message: 'required (a non-empty list of dated price schedules)' })
  }
  const prices = (Array.isArray(entry.prices) ? entry.prices : []).map((s, i) => compileSchedule(s, `${path}.prices[${i}]`, issues))
  prices.sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))
  if (issues.length > before) return null
  return Object.freeze({
    id,
    displayName,
    aliases,
    capabilities: Object.freeze(capabilities),
    ...(retiresAt === undefined ? {} : { retiresAt }),
    ...(replacement === undefined ? {} : { replacement }),
    prices
  })
}

function compileSchedule (raw: unknown, path: string, issues: Issues): PriceSchedule {
  if (!isRecord(raw)) {
    issues.push({ path, message: 'must be a price schedule object' })
    return { effectiveFrom: '0000-00-00', base: zeroRow() }
  }
  for (const key of Object.keys(raw)) if (!SCHEDULE_KEYS.includes(key)) issues.push({ path: `${path}.${key}`, message: `unknown key (expected one of ${SCHEDULE_KEYS.join(', ')})` })
  const schedule: PriceSchedule = {
    effectiveFrom: isoDate(raw.effective_from, `${path}.effective_from`, issues),
    base: priceRow(raw.base, `${path}.base`, issues)
  }
  if (raw.band !== undefined) {
    if (!isRecord(raw.band)) issues.push({ path: `${path}.band`, message: 'must be { over_prompt_tokens, prices }' })
    else {
      schedule.band = {
        overPromptTokens: positiveInt(raw.band.over_prompt_tokens, `${path}.band.over_prompt_tokens`, issues),
        prices: priceRow(raw.band.prices, `${path}.band.prices`, issues)
      }
    }
  }
  // `fast: unknown` says fast mode exists at a price nobody has published: never priced as zero.
  if (raw.fast === 'unknown') schedule.fastUnknown = true
  else if (raw.fast !== undefined) schedule.fast = priceRow(raw.fast, `${path}.fast`, issues)
  return Object.freeze(schedule)
}

function priceRow (raw: unknown, path: string, issues: Issues): PriceRow {
  if (!isRecord(raw)) {
    issues.push({ path, message: `must be { ${ROW_KEYS.join(', ')} } in USD per MTok` })
    return zeroRow()
  }
  for (const key of Object.keys(raw)) if (!ROW_KEYS.includes(key)) issues.push({ path: `${path}.${key}`, message: `unknown key (expected one of ${ROW_KEYS.join(', ')})` })
  const price = (key: string): number => microUsd(raw[key], `${path}.${key}`, issues)
  return Object.freeze({ input: price('input'), cacheWrite5m: price('cache_write_5m'), cacheWrite1h: price('cache_write_1h'), cacheRead: price('cache_read'), output: price('output') })
}

/** USD per MTok → integer micro-USD per MTok; only exact conversions are accepted. */
function microUsd (value: unknown, path: string, issues: Issues): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    issues.push({ path, message: 'must be a non-negative number (USD per million tokens)' })
    return 0
  }
  const micro = Math.round(value * 1e6)
  if (Math.abs(micro - value * 1e6) > 1e-6) issues.push({ path, message: `${value} is not a whole number of micro-USD per MTok` })
  return micro
}

function zeroRow (): PriceRow {
  return { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0 }
}

function isoDate (value: unknown, path: string, issues: Issues): string {
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : value
  if (typeof text !== 'string' || !ISO_DATE.test(text) || Number.isNaN(Date.parse(text))) {
    issues.push({ path, message: 'must be a date (YYYY-MM-DD)' })
    return '0000-00-00'
  }
  return text
}

function positiveInt (value: unknown, path: string, issues: Issues): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    issues.push({ path, message: 'must be a positive integer' })
    return 1
  }
  return value
}

function bool (value: unknown, path: string, issues: Issues): boolean {
  if (typeof value !== 'boolean') {
    issues.push({ path, message: 'must be true or false' })
    return false
  }
  return value
}

function stringList (value: unknown, path: string, issues: Issues): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    issues.push({ path, message: 'must be a list of strings' })
    return []
  }
  return value as string[]
}
