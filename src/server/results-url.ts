// Pure. Points batch objects' absolute `results_url` at the gateway's public origin.

import { isRecord } from '../types/anthropic.js'

export function rewriteResultsUrls (json: unknown, publicOrigin: string): unknown {
  if (!isRecord(json)) return json
  if (Array.isArray(json.data)) return { ...json, data: json.data.map((entry) => rewriteOne(entry, publicOrigin)) }
  return rewriteOne(json, publicOrigin)
}

function rewriteOne (batch: unknown, publicOrigin: string): unknown {
  if (!isRecord(batch) || typeof batch.results_url !== 'string') return batch
  let url: URL
  try {
    url = new URL(batch.results_url)
  } catch {
    return batch
  }
  const at = url.pathname.indexOf('/v1/')
  if (at === -1) return batch
  return { ...batch, results_url: publicOrigin.replace(/\/+$/, '') + url.pathname.slice(at) + url.search }
}
