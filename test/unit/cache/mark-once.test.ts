import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryStore } from '../../../src/cache/memory-store.js'
import { createResponseCache } from '../../../src/cache/response-cache.js'
import { compileConfig } from '../../../src/config/compile.js'

test('a mark belongs to its token: the same token again holds it, another does not', async () => {
  const store = createMemoryStore({ maxBytes: 1 << 20 })
  assert.equal(await store.markOnce('b1', 60_000, 't1'), true)
  assert.equal(await store.markOnce('b1', 60_000, 't1'), true, 'a retry whose first reply was lost')
  assert.equal(await store.markOnce('b1', 60_000, 't2'), false)
  assert.equal(await store.markOnce('b2', 60_000, 't2'), true)
})

test('markOnce through the response cache: first caller true, every later caller false', async () => {
  const compiled = compileConfig({}, { models: [] }, { path: null, nowMs: 0, envOverrides: {} })
  assert.ok('config' in compiled)
  const cache = createResponseCache(createMemoryStore({ maxBytes: 1 << 20 }), () => compiled.config.cache)
  assert.equal(await cache.markOnce('batch-priced:x', 60), true)
  assert.equal(await cache.markOnce('batch-priced:x', 60), false)
})
