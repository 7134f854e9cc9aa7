// Edge. Builds the response cache main.ts and the tests use: Redis when a URL (or a Sentinel /
// Cluster client) is given, the in-memory LRU otherwise; operations reported to the metrics.

import { Cluster, Redis } from 'ioredis'
import type { CacheConfig } from '../config/types.js'
import type { Metrics } from '../metrics/registry.js'
import { createMemoryStore } from './memory-store.js'
import { createRedisStore } from './redis-store.js'
import { createResponseCache } from './response-cache.js'
import type { ResponseCache } from './response-cache.js'

export interface CacheSettings {
  redisUrl: string | null
  /** `host:port,host:port` of Redis Sentinels, with `sentinelName` the monitored master. */
  sentinels?: string | null
  sentinelName?: string | null
  /** `host:port,host:port` of Redis Cluster seed nodes. */
  clusterNodes?: string | null
}

function hostPorts (list: string): Array<{ host: string; port: number }> {
  return list.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const [host, port] = entry.split(':')
    return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) }
  })
}

export function createCache (settings: CacheSettings, config: () => CacheConfig, metrics: Metrics | null): ResponseCache {
  const operationTimeoutMs = config().operationTimeoutMs
  const clientOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: operationTimeoutMs }
  let store
  if (settings.clusterNodes) {
    store = createRedisStore({ client: new Cluster(hostPorts(settings.clusterNodes), { enableOfflineQueue: false, redisOptions: clientOptions }), operationTimeoutMs })
  } else if (settings.sentinels) {
    store = createRedisStore({ client: new Redis({ ...clientOptions, sentinels: hostPorts(settings.sentinels), name: settings.sentinelName ?? 'mymaster' }), operationTimeoutMs })
  } else if (settings.redisUrl !== null) {
    store = createRedisStore({ url: settings.redisUrl, operationTimeoutMs })
  } else {
    store = createMemoryStore({ maxBytes: config().memoryMaxBytes })
  }
  return createResponseCache(store, config, {
    onOperation: (operation, result, seconds) => {
      if (metrics === null) return
      metrics.cacheOperations.inc({ operation, result })
      metrics.cacheDuration.observe({ operation }, seconds)
      if (result === 'timeout' || result === 'error') metrics.cacheFailures.inc({ operation })
    }
  })
}
