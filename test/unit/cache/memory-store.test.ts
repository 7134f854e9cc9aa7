import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryStore } from '../../../src/cache/memory-store.js'

function clock (): { now: () => number; advance: (ms: number) => void } {
  let ms = 1_000_000
  return { now: () => ms, advance: (by) => { ms += by } }
}

test('get returns what set stored until its TTL passes', async () => {
  const time = clock()
  const store = createMemoryStore({ maxBytes: 1024, now: time.now })
  assert.equal(await store.set('k', Buffer.from('v'), 10), true)
  assert.deepEqual(await store.get('k'), Buffer.from('v'))
  time.advance(9_999)
  assert.notEqual(await store.get('k'), null)
  time.advance(1)
  assert.equal(await store.get('k'), null)
  assert.equal(store.bytes(), 0, 'an expired entry frees its bytes')
})

test('the byte bound evicts the least recently used entry', async () => {
  const store = createMemoryStore({ maxBytes: 30 })
  await store.set('a', Buffer.alloc(9), 60) // 10 bytes with the key
  await store.set('b', Buffer.alloc(9), 60)
  await store.set('c', Buffer.alloc(9), 60)
  await store.get('a') // a is now the most recently used
  await store.set('d', Buffer.alloc(9), 60)
  assert.equal(await store.get('b'), null)
  for (const key of ['a', 'c', 'd']) assert.notEqual(await store.get(key), null, key)
  assert.equal(store.bytes(), 30)
})

test('an entry larger than the whole store is refused and evicts nothing', async () => {
  const store = createMemoryStore({ maxBytes: 20 })
  await store.set('a', Buffer.alloc(5), 60)
  assert.equal(await store.set('big', Buffer.alloc(50), 60), false)
  assert.notEqual(await store.get('a'), null)
})

test('overwriting a key accounts its bytes once', async () => {
  const store = createMemoryStore({ maxBytes: 100 })
  await store.set('k', Buffer.alloc(10), 60)
  await store.set('k', Buffer.alloc(20), 60)
  assert.equal(store.bytes(), 21)
})

test('a lock is held by one caller until released or expired', async () => {
  const time = clock()
  const store = createMemoryStore({ maxBytes: 100, now: time.now })
  assert.equal(await store.acquireLock('k', 1000), true)
  assert.equal(await store.acquireLock('k', 1000), false)
  await store.releaseLock('k')
  assert.equal(await store.acquireLock('k', 1000), true)
  time.advance(1000)
  assert.equal(await store.acquireLock('k', 1000), true, 'an expired lock is free')
})
