import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { credentialDigest, sha256Hex } from '../../src/credential-digest.js'

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
