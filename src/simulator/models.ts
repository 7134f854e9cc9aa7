// GET /v1/models (paged, newest first) and GET /v1/models/:id (snapshot id or alias; unknown → 404).

import { paginate } from './page.js'

export interface ModelInfo { type: 'model'; id: string; display_name: string; created_at: string }

const MODELS: readonly ModelInfo[] = [
  ['claude-fable-5-2', 'Claude Fable 5.2', '2026-11-09T00:00:00Z'],
  ['claude-haiku-5-5', 'Claude Haiku 5.5', '2026-10-07T00:00:00Z'],
  ['claude-sonnet-5-5', 'Claude Sonnet 5.5', '2026-09-01T00:00:00Z'],
  ['claude-opus-5-5', 'Claude Opus 5.5', '2026-09-01T00:00:00Z'],
  ['claude-fable-5-1', 'Claude Fable 5.1', '2026-09-01T00:00:00Z'],
  ['claude-opus-5', 'Claude Opus 5', '2026-07-24T00:00:00Z'],
  ['claude-sonnet-5', 'Claude Sonnet 5', '2026-07-01T00:00:00Z'],
  ['claude-fable-5', 'Claude Fable 5', '2026-06-09T00:00:00Z'],
  ['claude-opus-4-8', 'Claude Opus 4.8', '2026-05-28T00:00:00Z'],
  ['claude-opus-4-7', 'Claude Opus 4.7', '2026-04-16T00:00:00Z'],
  ['claude-sonnet-4-6', 'Claude Sonnet 4.6', '2026-02-17T00:00:00Z'],
  ['claude-opus-4-6', 'Claude Opus 4.6', '2026-02-05T00:00:00Z'],
  ['claude-opus-4-5-20251101', 'Claude Opus 4.5', '2025-11-01T00:00:00Z'],
  ['claude-haiku-4-5-20251001', 'Claude Haiku 4.5', '2025-10-01T00:00:00Z'],
  ['claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', '2025-09-29T00:00:00Z'],
  ['claude-opus-4-1-20250805', 'Claude Opus 4.1', '2025-08-05T00:00:00Z'],
  ['claude-opus-4-20250514', 'Claude Opus 4', '2025-05-22T00:00:00Z'],
  ['claude-sonnet-4-20250514', 'Claude Sonnet 4', '2025-05-22T00:00:00Z']
].map(([id, display, created]) => Object.freeze({ type: 'model' as const, id: id ?? '', display_name: display ?? '', created_at: created ?? '' }))

const ALIASES: Readonly<Record<string, string>> = {
  'claude-opus-4-5': 'claude-opus-4-5-20251101',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-opus-4-1': 'claude-opus-4-1-20250805',
  'claude-opus-4-0': 'claude-opus-4-20250514',
  'claude-sonnet-4-0': 'claude-sonnet-4-20250514'
}

/**
 * The JSON body and status for a models request, `path` without the query. `extra` ids (newest
 * first, e.g. a model released after the gateway's catalog) are listed before the built-in ones.
 */
export function answerModels (path: string, query: URLSearchParams, extra: readonly string[] = []): { status: number; json: string } | { status: 404; message: string } {
  const models = extra.length === 0
    ? MODELS
    : [...extra.map((id) => ({ type: 'model' as const, id, display_name: id, created_at: '2026-12-01T00:00:00Z' })), ...MODELS]
  if (path === '/v1/models') return { status: 200, json: JSON.stringify(paginate(models, query)) }
  const id = decodeURIComponent(path.slice('/v1/models/'.length))
  const model = models.find((m) => m.id === (ALIASES[id] ?? id))
  return model === undefined ? { status: 404, message: `model: ${id}` } : { status: 200, json: JSON.stringify(model) }
}
