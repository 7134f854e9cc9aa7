// Edge. The tenancy stores one gateway uses: Redis (shared by every replica, spend kept across
// restarts) when REDIS_URL / Sentinel / Cluster is configured, memory otherwise; plus the secrets
// reader for upstream keys. Admin-issued keys are looked up through a short cache: revoking a key
// takes effect at once on the replica that revoked it and within KEY_CACHE_MS on the others.
// The stores (and the Redis connection) are opened on first use: a gateway whose policy has no
// tenants holds no connection for them (main.ts opens them once a policy with tenants loads).

import { Cluster, Redis } from 'ioredis'
import type { KeyRecord } from './keys.js'
import type { KeyStore } from './key-store.js'
import { createMemoryKeyStore, createRedisKeyStore } from './key-store.js'
import type { LimitStore } from './limit-store.js'
import { createMemoryLimitStore } from './memory-limit-store.js'
import { createRedisLimitStore } from './redis-limit-store.js'
import type { SecretReader } from './upstream-credential.js'
import { createSecretReader } from './upstream-credential.js'

export const KEY_CACHE_MS = 5_000
const KEY_CACHE_MAX = 10_000
/** Limits are checked before every limited request: a slow Redis must not hold requests long. */
export const STORE_TIMEOUT_MS = 500

export interface Tenancy {
  limits: LimitStore
  keys: KeyStore
  secrets: SecretReader
  /** An admin-issued key by hash, through the short cache. Throws StoreUnavailable. */
  findKey (sha256: string): Promise<KeyRecord | null>
  /** Drops a cached lookup (after this replica changed the key). */
  forget (sha256: string): void
  /** Opens the stores if need be; resolves once Redis is connected, or after `timeoutMs` (then the stores fail per tenant until it is). */
  ready (timeoutMs: number): Promise<void>
  close (): Promise<void>
}

export interface TenancySettings {
  redisUrl: string | null
  sentinels?: string | null
  sentinelName?: string | null
  clusterNodes?: string | null
  env?: Readonly<Record<string, string | undefined>>
  now?: () => number
}

function hostPorts (list: string): Array<{ host: string; port: number }> {
  return list.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const [host, port] = entry.split(':')
    return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) }
  })
}

function redisClient (settings: TenancySettings): Redis | Cluster | null {
  // Fail fast while disconnected (no offline queue), reconnect forever in the background.
  const options = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: STORE_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000)
  }
  if (settings.clusterNodes) return new Cluster(hostPorts(settings.clusterNodes), { enableOfflineQueue: false, redisOptions: options })
  if (settings.sentinels) return new Redis({ ...options, sentinels: hostPorts(settings.sentinels), name: settings.sentinelName ?? 'mymaster' })
  if (settings.redisUrl !== null) return new Redis(settings.redisUrl, options)
  return null
}

interface Stores { client: Redis | Cluster | null; limits: LimitStore; keys: KeyStore }

export function createTenancy (settings: TenancySettings): Tenancy {
  const now = settings.now ?? Date.now
  let stores: Stores | null = null
  const open = (): Stores => {
    if (stores !== null) return stores
    const client = redisClient(settings)
    client?.on('error', () => {})
    stores = {
      client,
      limits: client === null ? createMemoryLimitStore({ now }) : createRedisLimitStore(client),
      keys: client === null ? createMemoryKeyStore() : createRedisKeyStore(client)
    }
    return stores
  }
  const cached = new Map<string, { key: KeyRecord | null; atMs: number }>()
  return {
    get limits () { return open().limits },
    get keys () { return open().keys },
    secrets: createSecretReader(settings.env ?? process.env, now),
    async findKey (sha256) {
      const hit = cached.get(sha256)
      if (hit !== undefined && now() - hit.atMs < KEY_CACHE_MS) return hit.key
      const key = await open().keys.findBySha256(sha256)
      if (cached.size >= KEY_CACHE_MAX) cached.clear()
      cached.set(sha256, { key, atMs: now() })
      return key
    },
    forget (sha256) {
      cached.delete(sha256)
    },
    async ready (timeoutMs) {
      const { client } = open()
      if (client === null || client.status === 'ready') return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs)
        client.once('ready', done)
        function done (): void {
          clearTimeout(timer)
          client?.off('ready', done)
          resolve()
        }
      })
    },
    async close () {
      if (stores === null) return
      await stores.limits.close()
      stores.client?.disconnect()
    }
  }
}
