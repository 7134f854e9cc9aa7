// `thriftline catalog diff`: asks the upstream's GET /v1/models which models it serves and lists
// those the catalog (config/models.yaml plus the policy's `models:`) lacks, so ops learn of a new
// model from the gateway before its traffic shows up as unpriced. Read-only; sends one GET per page.

import { loadConfig } from '../config/load.js'
import type { ModelCatalog } from '../catalog/types.js'
import { isRecord } from '../types/anthropic.js'
import type { CliIo } from './check.js'

export interface CatalogDiffOptions {
  configPath: string
  /** Upstream base URL; default: the policy's upstream.url. */
  upstreamUrl: string | undefined
  /** Sent as x-api-key (ANTHROPIC_API_KEY); the models list needs a credential upstream. */
  apiKey: string | undefined
  json: boolean
  fetch: typeof globalThis.fetch
  nowMs: number
}

/** Pure. Upstream model ids the catalog cannot resolve, in upstream order. */
export function missingFromCatalog (upstreamIds: readonly string[], catalog: Pick<ModelCatalog, 'resolve'>): string[] {
  return upstreamIds.filter((id) => catalog.resolve(id) === undefined)
}

const MAX_PAGES = 50

export async function runCatalogDiff (options: CatalogDiffOptions, io: CliIo): Promise<number> {
  const loaded = await loadConfig(options.configPath, { nowMs: options.nowMs, envOverrides: options.upstreamUrl === undefined ? {} : { upstreamUrl: options.upstreamUrl } })
  if ('issues' in loaded) {
    for (const issue of loaded.issues) io.err(`${options.configPath}: ${issue.path}: ${issue.message}`)
    return 2
  }
  const base = loaded.config.upstream.url.replace(/\/+$/, '')
  const ids: string[] = []
  let after: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = `${base}/v1/models?limit=1000${after === undefined ? '' : `&after_id=${encodeURIComponent(after)}`}`
    const headers: Record<string, string> = { 'anthropic-version': '2023-06-01' }
    if (options.apiKey !== undefined && options.apiKey !== '') headers['x-api-key'] = options.apiKey
    let response: Response
    try {
      response = await options.fetch(url, { headers, signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      io.err(`thriftline: GET ${url}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`)
      return 2
    }
    if (!response.ok) {
      io.err(`thriftline: GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`)
      return 2
    }
    const body: unknown = await response.json()
    if (!isRecord(body) || !Array.isArray(body.data)) {
      io.err(`thriftline: GET ${url}: not a models page`)
      return 2
    }
    for (const entry of body.data) if (isRecord(entry) && typeof entry.id === 'string') ids.push(entry.id)
    if (body.has_more !== true || typeof body.last_id !== 'string') break
    after = body.last_id
  }
  const missing = missingFromCatalog(ids, loaded.config.catalog)
  if (options.json) io.out(JSON.stringify({ upstream: base, listed: ids.length, missing }))
  else if (missing.length === 0) io.out(`ok: the catalog knows all ${ids.length} models ${base} lists`)
  else {
    io.out(`${missing.length} of ${ids.length} models listed by ${base} are not in the catalog (their traffic counts as unpriced):`)
    for (const id of missing) io.out(`  ${id}`)
    io.out('Declare each under the policy\'s models:, e.g.  models: [{ id: <new id>, like: <closest known model> }]')
  }
  // Like `diff`: 1 when there is a difference, so scripts and CI can alert on it.
  return missing.length === 0 ? 0 : 1
}
