// Pure. Model retirement: a request for a retired model would fail upstream
// (Anthropic's model deprecations page), so it is remapped to the catalog's replacement. `today` comes in as an argument.

import type { CatalogModel, ModelCatalog } from '../catalog/types.js'

/** Replacement chains longer than this are a catalog mistake; stop following them. */
const MAX_HOPS = 8

export interface LifecycleRemap {
  from: string
  to: string
  retiresAt: string
}

/** True when `model` has a retirement date on or before `today` (both `YYYY-MM-DD`). */
export function isRetired (model: CatalogModel, today: string): boolean {
  return model.retiresAt !== undefined && model.retiresAt <= today
}

/**
 * The model a retired model's traffic goes to (following replacements that are retired too), or
 * null when `modelId` is unknown, still served, or has no usable replacement.
 *
 * @example lifecycleRemap('claude-3-5-haiku-20241022', catalog, '2026-03-01') // { from, to: 'claude-haiku-4-5', retiresAt: '2026-02-19' }
 */
export function lifecycleRemap (modelId: string, catalog: ModelCatalog, today: string): LifecycleRemap | null {
  const model = catalog.resolve(modelId)
  if (model === undefined || !isRetired(model, today)) return null
  let current = model
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (current.replacement === undefined) return null
    const next = catalog.resolve(current.replacement)
    if (next === undefined) return null
    if (!isRetired(next, today)) return { from: modelId, to: next.id, retiresAt: model.retiresAt ?? today }
    current = next
  }
  return null
}
