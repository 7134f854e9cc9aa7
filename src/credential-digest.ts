// The sha256 (hex) of a client credential, for cache scopes and tenant matching; raw credentials
// are never stored or logged. Memoised: a gateway sees few distinct keys, and hashing one per
// request was a measurable part of a cache hit. The memo is bounded in entries and in what each
// entry holds: only credentials of a real key's length are remembered (an Anthropic key is ~108
// characters), so junk keys of any size cost one hash each and no memory. At most
// MAX_REMEMBERED × MAX_REMEMBERED_LENGTH characters are held (~2.5 M); when full it starts over.

import { hash } from 'node:crypto'

export const MAX_REMEMBERED = 10_000
export const MAX_REMEMBERED_LENGTH = 256
const remembered = new Map<string, string>()

export function sha256Hex (text: string): string {
  return hash('sha256', text, 'hex')
}

export function credentialDigest (credential: string): string {
  if (credential.length > MAX_REMEMBERED_LENGTH) return sha256Hex(credential)
  let digest = remembered.get(credential)
  if (digest === undefined) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear()
    digest = sha256Hex(credential)
    remembered.set(credential, digest)
  }
  return digest
}

/** What the memo holds now: entries and the characters of their keys (tests, diagnostics). */
export function memoFootprint (): { entries: number; keyChars: number } {
  let keyChars = 0
  for (const key of remembered.keys()) keyChars += key.length
  return { entries: remembered.size, keyChars }
}
