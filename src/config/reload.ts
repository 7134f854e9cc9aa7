// Edge. Hot reload: on a change of the policy file (or SIGHUP) load it again; a valid config swaps
// in whole for new requests (a reference swap is atomic; requests in flight keep the snapshot they
// took), an invalid one is reported and the old one keeps serving (Envoy's rule).

import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { ConfigIssue } from './issues.js'
import type { RuntimeConfig } from './types.js'

export interface ConfigHolder {
  /** The config new requests use. Safe to pass around unbound (`holder.current`). */
  current: () => RuntimeConfig
  swap: (next: RuntimeConfig) => void
}

/** @example const holder = createConfigHolder(loaded.config); buildApp({ config: holder.current, … }) */
export function createConfigHolder (initial: RuntimeConfig): ConfigHolder {
  let config = initial
  return {
    current: function currentConfig () { return config },
    swap: function swapConfig (next) { config = next }
  }
}

export type LoadResult = { config: RuntimeConfig } | { issues: ConfigIssue[] }

export interface WatchOptions {
  path: string
  holder: ConfigHolder
  load: () => Promise<LoadResult>
  onResult: (result: 'success' | 'failure', issues: readonly ConfigIssue[]) => void
  /** Reload on this signal too; null for none. Default SIGHUP. */
  signal?: 'SIGHUP' | null
  /** Quiet time after the last file event before reloading (editors write in several steps). */
  debounceMs?: number
}

export interface ConfigWatcher {
  close: () => void
  /** Reload now (what a file change or SIGHUP does); resolves when that reload is done. */
  reload: () => Promise<void>
}

const DEFAULT_DEBOUNCE_MS = 100

/**
 * The kubelet updates a ConfigMap volume by renaming a new `..data` link over the old one; the
 * file's own name (a link to `..data/<file>`) never changes, so its directory reports `..data`.
 */
const CONFIGMAP_SWAP = '..data'

/**
 * Watches the file's directory, not the file: editors replace the file (rename over it), which
 * ends a watch on the old inode, and a Kubernetes ConfigMap update only swaps the directory's
 * `..data` link. Reloads never overlap: a change that arrives during a reload triggers one more
 * after it.
 */
export function watchConfig (options: WatchOptions): ConfigWatcher {
  const file = basename(options.path)
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null
  let again = false
  let closed = false

  const reloadOnce = async function reloadConfig (): Promise<void> {
    let result: LoadResult
    try {
      result = await options.load()
    } catch (err) {
      result = { issues: [{ path: '(file)', message: `reload failed: ${err instanceof Error ? err.message : String(err)}` }] }
    }
    if (closed) return
    if ('config' in result) {
      options.holder.swap(result.config)
      options.onResult('success', [])
    } else {
      options.onResult('failure', result.issues)
    }
  }

  const reload = function reload (): Promise<void> {
    if (running !== null) {
      again = true
      return running
    }
    running = (async () => {
      do {
        again = false
        await reloadOnce()
      } while (again && !closed)
      running = null
    })()
    return running
  }

  const schedule = function scheduleReload (): void {
    if (closed) return
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(() => { timer = null; void reload() }, debounceMs)
    timer.unref()
  }

  let watcher: FSWatcher | null = null
  try {
    watcher = watch(dirname(options.path), { persistent: false }, function onConfigDirChange (_event, filename) {
      const changed = filename?.toString()
      if (changed === undefined || changed === file || changed === CONFIGMAP_SWAP) schedule()
    })
    watcher.on('error', () => { watcher?.close(); watcher = null })
  } catch {
    watcher = null // Directory not watchable (e.g. gone): SIGHUP still works.
  }

  const signal = options.signal === undefined ? 'SIGHUP' : options.signal
  const onSignal = function onReloadSignal (): void { void reload() }
  if (signal !== null) process.on(signal, onSignal)

  return {
    reload,
    close: function closeConfigWatcher () {
      closed = true
      if (timer !== null) clearTimeout(timer)
      watcher?.close()
      if (signal !== null) process.off(signal, onSignal)
    }
  }
}
