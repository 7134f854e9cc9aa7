// Pure. Prices Message Batches results (JSONL: one {custom_id, result} per line) one line at a time,
// so a results file of any size is priced while it streams and never held whole. Only
// `succeeded` results are billed (errored, canceled and expired requests are not).

import type { ModelCatalog } from '../catalog/types.js'
import type { Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { Cost } from './price-usage.js'
import { priceUsage } from './price-usage.js'
import type { TokenBreakdown, UsageIssue } from './read-usage.js'
import { addTokens, zeroTokens } from './read-usage.js'

/** Batch spend of one model, summed over the results it answered. */
export interface BatchModelSpend {
  /** The model id as the results named it (catalog id when known). */
  model: string
  results: number
  picoUsd: bigint
  tokens: TokenBreakdown
  unpricedTokens: TokenBreakdown
  unpriced: Cost['unpriced']
  webSearches: number
}

export interface BatchSpend {
  batchId: string
  byModel: Map<string, BatchModelSpend>
  /** Lines that were not JSON or not a result object (counted, skipped). */
  badLines: number
  /** The first few malformed usage counts, for the log; `issueCounts` counts them all. */
  issues: UsageIssue[]
  issueCounts: Record<UsageIssue['reason'], number>
}

const MAX_KEPT_ISSUES = 20

export function newBatchSpend (batchId: string): BatchSpend {
  return { batchId, byModel: new Map(), badLines: 0, issues: [], issueCounts: { fractional: 0, negative: 0, non_numeric: 0 } }
}

/**
 * Adds one JSONL line's result to `spend`. Every result is priced at batch prices (its usage says
 * `service_tier: "batch"`; the results endpoint says so when usage is silent) and at the model
 * that answered it.
 */
export function addBatchLine (spend: BatchSpend, line: string, catalog: ModelCatalog, isoDate: string): void {
  if (line.trim() === '') return
  let parsed: unknown
  try { parsed = JSON.parse(line) } catch { spend.badLines++; return }
  if (!isRecord(parsed) || !isRecord(parsed.result)) { spend.badLines++; return }
  const result = parsed.result
  if (result.type !== 'succeeded') return
  const message = result.message
  if (!isRecord(message) || !isRecord(message.usage)) { spend.badLines++; return }
  const named = typeof message.model === 'string' && message.model !== '' ? message.model : 'unknown'
  const model = catalog.resolve(named)
  const cost = priceUsage(message.usage as Usage, model ?? named, { isoDate, batch: true, inferenceGeo: undefined, speed: undefined }, catalog.resolve)
  const key = model?.id ?? named
  let entry = spend.byModel.get(key)
  if (entry === undefined) {
    entry = { model: key, results: 0, picoUsd: 0n, tokens: zeroTokens(), unpricedTokens: zeroTokens(), unpriced: [], webSearches: 0 }
    spend.byModel.set(key, entry)
  }
  entry.results++
  entry.picoUsd += cost.picoUsd
  addTokens(entry.tokens, cost.tokens)
  addTokens(entry.unpricedTokens, cost.unpricedTokens)
  entry.webSearches += cost.webSearches
  for (const u of cost.unpriced) if (!entry.unpriced.some((e) => e.model === u.model)) entry.unpriced.push(u)
  for (const issue of cost.issues) {
    spend.issueCounts[issue.reason]++
    if (spend.issues.length < MAX_KEPT_ISSUES) spend.issues.push(issue)
  }
}

/**
 * Splits a byte stream into lines across chunk boundaries, decoding UTF-8 only per whole line (a
 * multi-byte character split between chunks stays intact). Holds at most one unfinished line.
 */
export class LineSplitter {
  private pending: Buffer[] = []

  /** Calls `onLine` for every line the chunk completes. */
  push (chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl)
      if (this.pending.length > 0) {
        this.pending.push(piece)
        onLine(Buffer.concat(this.pending).toString('utf8'))
        this.pending = []
      } else {
        onLine(piece.toString('utf8'))
      }
      start = nl + 1
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start))
  }

  /** The last line, when the stream did not end with a newline. */
  end (onLine: (line: string) => void): void {
    if (this.pending.length > 0) onLine(Buffer.concat(this.pending).toString('utf8'))
    this.pending = []
  }
}
