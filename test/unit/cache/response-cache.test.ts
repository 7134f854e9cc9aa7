// The response cache over real stores (the memory store, and a store that never answers, standing
// in for a Redis that hangs): fail-open timeouts, pending writes, single flight in and across
// instances.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryStore } from '../../../src/cache/memory-store.js'
import { createResponseCache } from '../../../src/cache/response-cache.js'
import type { CacheOperation, OperationResult } from '../../../src/cache/response-cache.js'
import type { CacheStore } from '../../../src/cache/store.js'
import type { CacheConfig } from '../../../src/config/types.js'
import type { Message } from '../../../src/types/anthropic.js'
import { newEntry } from '../../../src/cache/entry.js'
import type { CacheEntry } from '../../../src/cache/entry.js'
import { storedMessage } from '../../../src/cache/served-body.js'

const CONFIG: CacheConfig = { mode: 'deterministic', ttlSeconds: 600, maxEntryBytes: 64 * 1024, memoryMaxBytes: 1 << 20, compressOverBytes: 16 * 1024, operationTimeoutMs: 50, lockWaitMs: 1000, sharedScope: null }

const message = (text: string): Message => ({
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text }],
  stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 2 }
} as unknown as Message)

function recorder (): { seen: string[]; hooks: { onOperation: (operation: CacheOperation, result: OperationResult) => void } } {
  const seen: string[] = []
  return { seen, hooks: { onOperation: (operation, result) => { seen.push(`${operation}:${result}`) } } }
}

/** A store whose every call hangs: what a Redis that stopped answering looks like. */
function hangingStore (): CacheStore {
  const never = new Promise<never>(() => {})
  return { kind: 'redis', get: () => never, set: () => never, acquireLock: () => never, releaseLock: async () => {}, isLocked: () => never, markOnce: () => never, health: () => 'ok', close: async () => {} }
}

const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))

test('a stored answer is a hit at once, before and after the write lands', async () => {
  const { seen, hooks } = recorder()
  const cache = createResponseCache(createMemoryStore({ maxBytes: 1 << 20 }), () => CONFIG, hooks)
  assert.equal(await cache.lookup('k'), null)
  cache.store('k', newEntry(message('hello'), 'json', 1), 60)
  assert.equal(storedMessage(await cache.lookup('k') as CacheEntry)?.content[0]?.type, 'text')
  await settled()
  assert.deepEqual(storedMessage(await cache.lookup('k') as CacheEntry), message('hello'))
  assert.deepEqual(seen, ['get:miss', 'get:hit', 'set:stored', 'get:hit'])
})

test('an answer larger than max_entry_bytes is not stored', async () => {
  const { seen, hooks } = recorder()
  const cache = createResponseCache(createMemoryStore({ maxBytes: 1 << 20 }), () => ({ ...CONFIG, maxEntryBytes: 100 }), hooks)
  cache.store('k', newEntry(message('x'.repeat(500)), 'json', 1), 60)
  await settled()
  assert.equal(await cache.lookup('k'), null)
  assert.deepEqual(seen, ['set:skipped', 'get:miss'])
})

test('a store that hangs costs one operation timeout, then the request goes on uncached; health says degraded', async () => {
  const { seen, hooks } = recorder()
  const cache = createResponseCache(hangingStore(), () => CONFIG, hooks)
  assert.equal(cache.health(), 'ok')
  assert.equal(await cache.lookup('k'), null)
  assert.deepEqual(seen, ['get:timeout'])
  assert.equal(cache.health(), 'degraded')
  const claim = await cache.claim('k')
  assert.equal(claim.role, 'leader', 'a lock that times out does not block the request')
})

test('concurrent misses in one process: one leader, the followers get its answer', async () => {
  const cache = createResponseCache(createMemoryStore({ maxBytes: 1 << 20 }), () => CONFIG)
  const leader = await cache.claim('k')
  assert.equal(leader.role, 'leader')
  const followers = Promise.all([cache.claim('k'), cache.claim('k')])
  if (leader.role === 'leader') leader.settle(newEntry(message('one answer'), 'json', 1))
  for (const follower of await followers) {
    assert.equal(follower.role, 'follower')
    if (follower.role === 'follower') assert.deepEqual(storedMessage(follower.entry as CacheEntry), message('one answer'))
  }
  assert.equal((await cache.claim('k')).role, 'leader', 'the flight is over once settled')
})

test('a leader that fails settles its followers with nothing, and they go upstream themselves', async () => {
  const cache = createResponseCache(createMemoryStore({ maxBytes: 1 << 20 }), () => CONFIG)
  const leader = await cache.claim('k')
  const follower = cache.claim('k')
  if (leader.role === 'leader') leader.settle(null)
  const result = await follower
  assert.equal(result.role === 'follower' ? result.entry : 'not a follower', null)
})

test('across instances sharing a store: the second waits for the first one\'s entry', async () => {
  const shared = createMemoryStore({ maxBytes: 1 << 20 })
  const one = createResponseCache(shared, () => CONFIG)
  const two = createResponseCache(shared, () => CONFIG)
  const leader = await one.claim('k')
  assert.equal(leader.role, 'leader')
  const waiting = two.claim('k')
  setTimeout(() => {
    one.store('k', newEntry(message('from one'), 'sse', 1), 60)
    if (leader.role === 'leader') leader.settle(null)
  }, 60)
  const follower = await waiting
  assert.equal(follower.role, 'follower')
  if (follower.role === 'follower') assert.deepEqual(storedMessage(follower.entry as CacheEntry), message('from one'))
})

test('across instances, a follower gives up after lock_wait and leads no one', async () => {
  const shared = createMemoryStore({ maxBytes: 1 << 20 })
  const one = createResponseCache(shared, () => CONFIG)
  const two = createResponseCache(shared, () => ({ ...CONFIG, lockWaitMs: 80 }))
  await one.claim('k')
  const follower = await two.claim('k')
  assert.deepEqual(follower, { role: 'follower', entry: null })
})

test('across instances, a leader that fails releases its lock and the other instance stops waiting at once', async () => {
  const shared = createMemoryStore({ maxBytes: 1 << 20 })
  const one = createResponseCache(shared, () => CONFIG)
  const two = createResponseCache(shared, () => ({ ...CONFIG, lockWaitMs: 5000 }))
  const leader = await one.claim('k')
  const startedAt = Date.now()
  const waiting = two.claim('k')
  setTimeout(() => { if (leader.role === 'leader') leader.settle(null) }, 40)
  assert.deepEqual(await waiting, { role: 'follower', entry: null })
  assert.ok(Date.now() - startedAt < 2000, 'the follower did not wait out lock_wait for a leader that had failed')
})

test('a leader keeps its lock until its entry has landed in the store', async () => {
  const shared = createMemoryStore({ maxBytes: 1 << 20 })
  let landWrite: () => void = () => {}
  const slowWrites: typeof shared = {
    ...shared,
    set: async (key, value, ttl) => { await new Promise<void>((resolve) => { landWrite = resolve }); return await shared.set(key, value, ttl) }
  }
  const one = createResponseCache(slowWrites, () => CONFIG)
  const leader = await one.claim('k')
  one.store('k', newEntry(message('late'), 'json', 1), 60)
  if (leader.role === 'leader') leader.settle(newEntry(message('late'), 'json', 1))
  await settled()
  assert.equal(await shared.isLocked('k'), true, 'released before the entry landed: another instance would see neither')
  landWrite()
  await settled()
  assert.equal(await shared.isLocked('k'), false)
  assert.notEqual(await shared.get('k'), null)
})

test('a miss that wins the lock after the previous leader finished serves the landed entry instead of calling upstream', async () => {
  const shared = createMemoryStore({ maxBytes: 1 << 20 })
  const one = createResponseCache(shared, () => CONFIG)
  one.store('k', newEntry(message('already here'), 'json', 1), 60)
  await settled()
  const two = createResponseCache(shared, () => CONFIG)
  const claim = await two.claim('k')
  assert.equal(claim.role, 'follower')
  if (claim.role === 'follower') assert.deepEqual(storedMessage(claim.entry as CacheEntry), message('already here'))
  assert.equal(await shared.isLocked('k'), false, 'the lock it took is given back')
})

test('a memory store\'s entry is decoded once and serves every hit; new bytes under the key are decoded anew', async () => {
  const store = createMemoryStore({ maxBytes: 1 << 20 })
  const cache = createResponseCache(store, () => CONFIG)
  cache.store('k', newEntry(message('first'), 'json', 1), 60)
  await settled()
  const first = await cache.lookup('k')
  assert.ok(first !== null)
  assert.equal(await cache.lookup('k'), first)
  cache.store('k', newEntry(message('second'), 'json', 2), 60)
  await settled()
  const second = await cache.lookup('k')
  assert.notEqual(second, first)
  assert.deepEqual(storedMessage(second as CacheEntry), message('second'))
  // Bytes that do not decode stay a miss on every lookup.
  await store.set('bad', Buffer.from([0x02, 0, 0, 0, 9, 0x7b]), 60)
  assert.equal(await cache.lookup('bad'), null)
  assert.equal(await cache.lookup('bad'), null)
})
