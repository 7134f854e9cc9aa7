// Where admin-issued gateway keys live (policy-file keys are in the policy): Redis, shared by every
// replica and kept across restarts, or memory when there is no Redis. Only hashes are stored.
// Records are JSON; USD limits travel as decimal text (JSON has no bigint).

import type { Cluster, Redis } from 'ioredis'
import type { KeyRecord } from './keys.js'
import type { Limits } from './limits.js'
import { StoreUnavailable } from './limit-store.js'
import { picoToUsdText, usdToPico } from './usd.js'

export interface KeyStore {
  kind: 'redis' | 'memory'
  findBySha256 (sha256: string): Promise<KeyRecord | null>
  findById (id: string): Promise<KeyRecord | null>
  list (): Promise<KeyRecord[]>
  save (key: KeyRecord): Promise<void>
}

const PREFIX = 'thriftline:v1:keys:'

interface StoredKey {
  id: string
  sha256: string
  tenant: string
  createdAtMs: number | null
  expiresAtMs: number | null
  revokedAtMs: number | null
  labels: Record<string, string>
  limits: { requestsPerMinute: number | null; inputTokensPerMinute: number | null; outputTokensPerMinute: number | null; usdPerDay: string | null; usdPerMonth: string | null }
}

export function encodeKey (key: KeyRecord): string {
  const stored: StoredKey = {
    id: key.id,
    sha256: key.sha256,
    tenant: key.tenant,
    createdAtMs: key.createdAtMs,
    expiresAtMs: key.expiresAtMs,
    revokedAtMs: key.revokedAtMs,
    labels: { ...key.labels },
    limits: {
      requestsPerMinute: key.limits.requestsPerMinute,
      inputTokensPerMinute: key.limits.inputTokensPerMinute,
      outputTokensPerMinute: key.limits.outputTokensPerMinute,
      usdPerDay: key.limits.picoUsdPerDay === null ? null : picoToUsdText(key.limits.picoUsdPerDay),
      usdPerMonth: key.limits.picoUsdPerMonth === null ? null : picoToUsdText(key.limits.picoUsdPerMonth)
    }
  }
  return JSON.stringify(stored)
}

/** Null for anything that is not a record this code wrote (a damaged value is an unknown key). */
export function decodeKey (text: string): KeyRecord | null {
  let stored: StoredKey
  try {
    stored = JSON.parse(text) as StoredKey
  } catch {
    return null
  }
  if (typeof stored !== 'object' || stored === null || typeof stored.id !== 'string' || typeof stored.sha256 !== 'string' || typeof stored.tenant !== 'string') return null
  const limits: Limits = {
    requestsPerMinute: stored.limits?.requestsPerMinute ?? null,
    inputTokensPerMinute: stored.limits?.inputTokensPerMinute ?? null,
    outputTokensPerMinute: stored.limits?.outputTokensPerMinute ?? null,
    picoUsdPerDay: stored.limits?.usdPerDay == null ? null : usdToPico(stored.limits.usdPerDay),
    picoUsdPerMonth: stored.limits?.usdPerMonth == null ? null : usdToPico(stored.limits.usdPerMonth)
  }
  return {
    id: stored.id,
    sha256: stored.sha256,
    tenant: stored.tenant,
    createdAtMs: stored.createdAtMs ?? null,
    expiresAtMs: stored.expiresAtMs ?? null,
    revokedAtMs: stored.revokedAtMs ?? null,
    labels: stored.labels ?? {},
    limits,
    source: 'admin'
  }
}

export function createRedisKeyStore (client: Redis | Cluster): KeyStore {
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (err) {
      throw new StoreUnavailable(err)
    }
  }
  const bySha = async (sha256: string): Promise<KeyRecord | null> => {
    const text = await call(() => client.get(`${PREFIX}sha:${sha256}`))
    return text === null ? null : decodeKey(text)
  }
  return {
    kind: 'redis',
    findBySha256: bySha,
    async findById (id) {
      const sha = await call(() => client.get(`${PREFIX}id:${id}`))
      return sha === null ? null : await bySha(sha)
    },
    async list () {
      const ids = await call(() => client.smembers(`${PREFIX}ids`))
      const shas = ids.length === 0 ? [] : await Promise.all(ids.map((id) => call(() => client.get(`${PREFIX}id:${id}`))))
      const records = await Promise.all(shas.map((sha) => sha === null ? null : bySha(sha)))
      return records.filter((record): record is KeyRecord => record !== null)
    },
    async save (key) {
      // Three keys in three slots (Cluster): the record first, so an id never points at nothing.
      await call(() => client.set(`${PREFIX}sha:${key.sha256}`, encodeKey(key)))
      await call(() => client.set(`${PREFIX}id:${key.id}`, key.sha256))
      await call(() => client.sadd(`${PREFIX}ids`, key.id))
    }
  }
}

export function createMemoryKeyStore (): KeyStore {
  const records = new Map<string, string>()
  const ids = new Map<string, string>()
  return {
    kind: 'memory',
    async findBySha256 (sha256) {
      const text = records.get(sha256)
      return text === undefined ? null : decodeKey(text)
    },
    async findById (id) {
      const sha = ids.get(id)
      const text = sha === undefined ? undefined : records.get(sha)
      return text === undefined ? null : decodeKey(text)
    },
    async list () {
      return [...records.values()].map(decodeKey).filter((record): record is KeyRecord => record !== null)
    },
    async save (key) {
      records.set(key.sha256, encodeKey(key))
      ids.set(key.id, key.sha256)
    }
  }
}
