// The sha256 (hex) of a client credential, for cache scopes and tenant matching; raw credentials
// are never stored or logged. Memoised: a gateway sees few distinct keys, and hashing one per
// request was a measurable part of a cache hit. The memo is bounded and simply starts over when
// full (a flood of random keys costs one hash each, as before, and no memory).

import { hash } from 'node:crypto'

const MAX_REMEMBERED = 10_000
const remembered = new Map<string, string>()

export function sha256Hex (text: string): string {
  return hash('sha256', text, 'hex')
}

export function credentialDigest (credential: string): string {
  let digest = remembered.get(credential)
  if (digest === undefined) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear()
    digest = sha256Hex(credential)
    remembered.set(credential, digest)
  }
  return digest
}
