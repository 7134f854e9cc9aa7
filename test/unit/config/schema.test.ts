// The JSON Schema editors use and the keys compileConfig accepts must not drift apart; the shipped
// policies must pass both.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { parse as parseYaml } from 'yaml'
import { compileConfig } from '../../../src/config/compile.js'
import { OBJECT_SCHEMAS, gatewayJsonSchema, keysOf } from '../../../src/config/schema.js'
import type { ObjectKind } from '../../../src/config/schema.js'
import { isRecord } from '../../../src/types/anthropic.js'

const root = new URL('../../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')
const SCHEMA_FILE = JSON.parse(read('config/gateway.schema.json')) as Record<string, unknown>
const CATALOG = parseYaml(read('config/models.yaml')) as unknown
const validate = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(SCHEMA_FILE)

function compile (raw: unknown) {
  return compileConfig(raw, CATALOG, { path: null, nowMs: Date.parse('2026-03-01'), envOverrides: {} })
}

test('config/gateway.schema.json is what `thriftline schema` generates (regenerate it if this fails)', () => {
  assert.deepEqual(SCHEMA_FILE, gatewayJsonSchema())
})

test('every object in the schema file lists exactly the keys compile accepts', () => {
  const defs = SCHEMA_FILE.$defs as Record<string, { properties: Record<string, unknown> }>
  for (const kind of Object.keys(OBJECT_SCHEMAS) as ObjectKind[]) {
    const properties = kind === 'root' ? SCHEMA_FILE.properties as Record<string, unknown> : defs[kind]?.properties
    assert.deepEqual(Object.keys(properties ?? {}), [...keysOf(kind)], kind)
  }
})

/** Where an object of each kind sits in a minimal valid file. */
const PLACES: Record<ObjectKind, { file: (extra: Record<string, unknown>) => Record<string, unknown>; path: string }> = {
  root: { file: (x) => ({ ...x }), path: 'zz_unknown' },
  upstream: { file: (x) => ({ upstream: x }), path: 'upstream.zz_unknown' },
  circuit_breaker: { file: (x) => ({ upstream: { circuit_breaker: x } }), path: 'upstream.circuit_breaker.zz_unknown' },
  retry_budget: { file: (x) => ({ upstream: { retry_budget: x } }), path: 'upstream.retry_budget.zz_unknown' },
  cache: { file: (x) => ({ cache: x }), path: 'cache.zz_unknown' },
  tenant: { file: (x) => ({ tenants: [{ name: 't', headers: { 'x-t': 'a' }, ...x }] }), path: 'tenants[0].zz_unknown' },
  auth: { file: (x) => ({ auth: { mode: 'passthrough', ...x } }), path: 'auth.zz_unknown' },
  secret_ref: { file: (x) => ({ auth: { upstream_key: { env: 'ANTHROPIC_API_KEY', ...x } } }), path: 'auth.upstream_key.zz_unknown' },
  gateway_key: { file: (x) => ({ tenants: [{ name: 't', auth: 'gateway_keys', keys: [{ id: 'k', sha256: 'a'.repeat(64), ...x }] }] }), path: 'tenants[0].keys[0].zz_unknown' },
  limits: { file: (x) => ({ tenants: [{ name: 't', headers: { 'x-t': 'a' }, limits: { requests_per_minute: 5, ...x } }] }), path: 'tenants[0].limits.zz_unknown' },
  budget: { file: (x) => ({ tenants: [{ name: 't', headers: { 'x-t': 'a' }, limits: { usd_per_day: 1 }, budget: { on_exceeded: 'reject', ...x } }] }), path: 'tenants[0].budget.zz_unknown' },
  virtual_model: { file: (x) => ({ virtual_models: [{ id: 'claude-auto', ...x }], routes: [{ name: 'r', action: { model: 'claude-haiku-4-5' } }] }), path: 'virtual_models[0].zz_unknown' },
  route: { file: (x) => ({ routes: [{ name: 'r', action: { model: 'claude-haiku-4-5' }, ...x }] }), path: 'routes[0].zz_unknown' },
  match: { file: (x) => ({ routes: [{ name: 'r', match: x, action: { model: 'claude-haiku-4-5' } }] }), path: 'routes[0].match.zz_unknown' },
  action: { file: (x) => ({ routes: [{ name: 'r', action: { model: 'claude-haiku-4-5', ...x } }] }), path: 'routes[0].action.zz_unknown' },
  action_cache: { file: (x) => ({ routes: [{ name: 'r', action: { model: 'claude-haiku-4-5', cache: { ttl: '1m', ...x } } }] }), path: 'routes[0].action.cache.zz_unknown' }
}

for (const kind of Object.keys(OBJECT_SCHEMAS) as ObjectKind[]) {
  test(`${kind}: an unknown key is rejected by compile (with its path) and by the schema`, () => {
    const place = PLACES[kind]
    assert.ok('config' in compile(place.file({})), 'the minimal file is valid')
    assert.equal(validate(place.file({})), true)
    const result = compile(place.file({ zz_unknown: 1 }))
    assert.ok('issues' in result)
    assert.deepEqual(result.issues.map((i) => i.path), [place.path])
    assert.match(result.issues[0]?.message ?? '', /^unknown key "zz_unknown"/)
    assert.equal(validate(place.file({ zz_unknown: 1 })), false)
  })
}

test('the full fixture uses every key of every object kind, and compile and the schema both accept it', () => {
  const full = parseYaml(read('test/fixtures/policies/full.yaml')) as Record<string, unknown>
  const seen = new Map<ObjectKind, Set<string>>()
  const note = (kind: ObjectKind, value: unknown): void => {
    if (!isRecord(value)) return
    const keys = seen.get(kind) ?? new Set<string>()
    for (const key of Object.keys(value)) keys.add(key)
    seen.set(kind, keys)
  }
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
  note('root', full)
  note('upstream', full.upstream)
  if (isRecord(full.upstream)) {
    note('circuit_breaker', full.upstream.circuit_breaker)
    note('retry_budget', full.upstream.retry_budget)
  }
  note('cache', full.cache)
  note('auth', full.auth)
  if (isRecord(full.auth)) note('secret_ref', full.auth.upstream_key)
  for (const tenant of list(full.tenants)) {
    note('tenant', tenant)
    if (!isRecord(tenant)) continue
    note('secret_ref', tenant.upstream_key)
    note('limits', tenant.limits)
    note('budget', tenant.budget)
    for (const key of list(tenant.keys)) {
      note('gateway_key', key)
      if (isRecord(key)) note('limits', key.limits)
    }
  }
  for (const model of list(full.virtual_models)) note('virtual_model', model)
  for (const route of list(full.routes)) {
    note('route', route)
    if (!isRecord(route)) continue
    note('match', route.match)
    note('action', route.action)
    if (isRecord(route.action)) note('action_cache', route.action.cache)
  }
  for (const kind of Object.keys(OBJECT_SCHEMAS) as ObjectKind[]) {
    assert.deepEqual([...(seen.get(kind) ?? [])].sort(), [...keysOf(kind)].sort(), `full.yaml misses keys of ${kind}`)
  }
  assert.ok('config' in compile(full))
  assert.equal(validate(full), true, JSON.stringify(validate.errors))
})

const SHIPPED = ['config/gateway.yaml', ...readdirSync(new URL('config/examples/', root)).filter((f) => f.endsWith('.yaml')).map((f) => `config/examples/${f}`)]

for (const path of SHIPPED) {
  test(`shipped policy ${path} compiles and matches the schema`, () => {
    const raw = parseYaml(read(path)) as unknown
    const result = compile(raw)
    assert.ok('config' in result, 'issues' in result ? result.issues.map((i) => `${i.path}: ${i.message}`).join('\n') : '')
    assert.equal(validate(raw), true, JSON.stringify(validate.errors))
  })
}

test('the examples cover the four documented scenarios', () => {
  for (const name of ['haiku-first.yaml', 'team-routing.yaml', 'canary-split.yaml', 'long-context-guard.yaml']) {
    assert.ok(SHIPPED.includes(`config/examples/${name}`), name)
  }
})

test('the schema rejects what compile rejects for shape reasons', () => {
  const raw = parseYaml(read('test/fixtures/policies/invalid-mixed.yaml')) as unknown
  assert.equal(validate(raw), false)
  assert.ok('issues' in compile(raw))
})
