// Edge. One Messages request's prompt-cache state: looked up before the policy decides (so the
// decision stays pure: the state comes in as data), learned after the answer. Requests that use
// no `cache_control` and no thinking cost nothing here: no hashing, no store round trip.

import type { ModelCatalog } from '../catalog/types.js'
import type { MessagesRequest, Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { PrefixShape } from './prefix.js'
import { prefixShapes } from './prefix.js'
import type { PromptCacheView, WarmEntry } from './state.js'
import { lastAnswerer, learnedEntries, warmPrefixes } from './state.js'
import type { PromptCacheStateStore } from './state-store.js'

export interface ConversationState {
  view: PromptCacheView
  /** The prefixes of the body as sent, and as another model receives it (the same object when equal). */
  asSent: PrefixShape
  reshaped: PrefixShape
  /** The requested model's canonical id: which shape an answering model was sent. */
  requested: string | null
}

function usesPromptCaching (body: MessagesRequest, rawText: string): boolean {
  if (rawText.includes('"cache_control"')) return true
  return isRecord(body.thinking) && body.thinking.type !== 'disabled'
}

/** Null when the request does not take part (no cache_control, no thinking). */
export async function lookupConversation (
  store: PromptCacheStateStore,
  body: MessagesRequest,
  rawText: string,
  scope: string,
  catalog: ModelCatalog,
  nowMs: number
): Promise<ConversationState | null> {
  if (!usesPromptCaching(body, rawText)) return null
  const { asSent, reshaped } = prefixShapes(body, scope)
  const keys = [...asSent.candidates]
  if (reshaped !== asSent) keys.push(...reshaped.candidates)
  if (asSent.previousTurn !== null) keys.push(asSent.previousTurn)
  const records = await store.lookup(keys)
  const sentRecords = records.slice(0, asSent.candidates.length)
  const reshapedRecords = reshaped === asSent ? sentRecords : records.slice(asSent.candidates.length, asSent.candidates.length + reshaped.candidates.length)
  const asSentWarm = warmPrefixes(sentRecords, nowMs, asSent.tailShares)
  const view: PromptCacheView = {
    nowMs,
    lastTtl: asSent.lastTtl,
    asSent: asSentWarm,
    reshaped: reshaped === asSent ? asSentWarm : warmPrefixes(reshapedRecords, nowMs, reshaped.tailShares),
    thinkingSigner: asSent.previousTurn === null ? null : lastAnswerer([records[records.length - 1] ?? null], nowMs)
  }
  return { view, asSent, reshaped, requested: catalog.resolve(body.model)?.id ?? null }
}

/** After a successful answer: remember what `servedModel` now holds warm, and that it answered this turn. */
export function learnFromAnswer (store: PromptCacheStateStore, state: ConversationState, servedModel: string, usage: Usage, catalog: ModelCatalog, nowMs: number): void {
  const served = catalog.resolve(servedModel)
  if (served === undefined) return
  // The body a model other than the requested one got had earlier thinking removed (apply.ts).
  const shape = served.id === state.requested ? state.asSent : state.reshaped
  const entries: Map<string, WarmEntry> = learnedEntries(shape, usage, served.id, nowMs)
  store.learn(entries, nowMs)
}
