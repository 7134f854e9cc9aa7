import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { MAX_REMEMBERED, MAX_REMEMBERED_LENGTH, credentialDigest, memoFootprint, sha256Hex } from '../../src/credential-digest.js'

const reference = (text: string): string => createHash('sha256').update(text).digest('hex')

for (const text of ['', 'sk-ant-api03-abc', 'ключ-🔑', 'x'.repeat(5000)]) {
  test(`sha256Hex and credentialDigest agree with createHash for ${JSON.stringify(text.slice(0, 20))}`, () => {
    assert.equal(sha256Hex(text), reference(text))
    assert.equal(credentialDigest(text), reference(text))
    assert.equal(credentialDigest(text), reference(text), 'remembered')
  })
}

test('past the memo bound the digest stays right (the memo starts over)', () => {
  for (let i = 0; i < 10_050; i++) credentialDigest(`sk-${i}`)
  assert.equal(credentialDigest('sk-3'), reference('sk-3'))
  assert.equal(credentialDigest('sk-10049'), reference('sk-10049'))
})

test('junk keys of any size are hashed but never remembered: the memo stays within its bound', () => {
  const junk = (i: number): string => `${i}-`.padEnd(15_000, 'x')
  const before = memoFootprint()
  for (let i = 0; i < 200; i++) assert.equal(credentialDigest(junk(i)), reference(junk(i)))
  assert.deepEqual(memoFootprint(), before, 'a 15 KB key is not remembered')
  for (let i = 0; i < MAX_REMEMBERED + 50; i++) credentialDigest(`sk-ant-${i}`.padEnd(MAX_REMEMBERED_LENGTH, 'k'))
  const after = memoFootprint()
  assert.ok(after.entries <= MAX_REMEMBERED)
  assert.ok(after.keyChars <= MAX_REMEMBERED * MAX_REMEMBERED_LENGTH)
})
