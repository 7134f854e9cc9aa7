// Pure. Gateway-issued keys: their format, their hash (the only form ever stored) and whether one
// may be used now. The secret is shown once, when it is issued.

import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../credential-digest.js'
import type { Limits } from './limits.js'

/** Every gateway key starts with this, so an unknown one is refused here instead of being sent upstream. */
export const GATEWAY_KEY_PREFIX = 'tlk-'

export interface KeyRecord {
  /** Public name of the key (listing, revoking, logs); never the secret. */
  id: string
  sha256: string
  tenant: string
  createdAtMs: number | null
  expiresAtMs: number | null
  revokedAtMs: number | null
  labels: Readonly<Record<string, string>>
  limits: Limits
  /** Where the key is defined: the policy file, or issued through the admin API (kept in the store). */
  source: 'policy' | 'admin'
}

export type KeyStatus = 'active' | 'expired' | 'revoked'

export function keyStatus (key: KeyRecord, nowMs: number): KeyStatus {
  if (key.revokedAtMs !== null && key.revokedAtMs <= nowMs) return 'revoked'
  if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) return 'expired'
  return 'active'
}

export function looksLikeGatewayKey (credential: string): boolean {
  return credential.startsWith(GATEWAY_KEY_PREFIX)
}

/** A new secret and its public id; `random` is injectable for tests. */
export function newKey (random: (bytes: number) => Buffer = randomBytes): { secret: string; id: string; sha256: string } {
  const secret = GATEWAY_KEY_PREFIX + random(24).toString('base64url')
  return { secret, id: 'key_' + random(6).toString('hex'), sha256: sha256Hex(secret) }
}
