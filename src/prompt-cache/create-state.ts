// Edge. The prompt-cache state store main.ts and buildApp use: in the shared Redis when there is
// one (the response cache's connection), otherwise its own bounded in-memory store (so state never
// evicts cached answers, nor the other way round); operations counted in the metrics.

import { createMemoryStore } from '../cache/memory-store.js'
import type { CacheStore } from '../cache/store.js'
import type { Metrics } from '../metrics/registry.js'
import { createPromptCacheStateStore, STATE_MEMORY_MAX_BYTES } from './state-store.js'
import type { PromptCacheStateStore } from './state-store.js'

export function createPromptCacheState (shared: CacheStore | null, timeoutMs: () => number, metrics: Metrics | null): PromptCacheStateStore {
  const store = shared !== null && shared.kind === 'redis' ? shared : createMemoryStore({ maxBytes: STATE_MEMORY_MAX_BYTES })
  return createPromptCacheStateStore(store, {
    timeoutMs,
    onOperation: (operation, result) => { metrics?.promptCacheState.inc({ operation, result }) }
  })
}
