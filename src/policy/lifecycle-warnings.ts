// Pure. A rule whose target is retired is not an error (decide skips it, so the policy keeps
// serving), but it silently changes routing the day the model retires. These warnings tell the
// policy author before and after that day: `thriftline check`, start-up and every reload print them.

import type { ModelCatalog } from '../catalog/types.js'
import type { ConfigIssue } from '../config/issues.js'
import { pathOf } from '../config/checker.js'
import { isRetired, lifecycleRemap } from './lifecycle.js'
import type { CompiledPolicy } from './types.js'

/** How far ahead a coming retirement is worth a warning. */
export const RETIREMENT_NOTICE_DAYS = 30

const DAY_MS = 86_400_000

function daysUntil (date: string, today: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS)
}

function warningFor (modelId: string, catalog: ModelCatalog, today: string): string | null {
  const model = catalog.resolve(modelId)
  if (model?.retiresAt === undefined) return null
  // The first replacement still served on the day this one stops (replacements retire too).
  const replacement = lifecycleRemap(model.id, catalog, model.retiresAt > today ? model.retiresAt : today)?.to
  const instead = replacement === undefined ? '' : `; use ${replacement}`
  if (isRetired(model, today)) return `${model.id} retired on ${model.retiresAt}: requests skip this target${instead}`
  const days = daysUntil(model.retiresAt, today)
  if (days > RETIREMENT_NOTICE_DAYS) return null
  return `${model.id} retires on ${model.retiresAt} (in ${days} day${days === 1 ? '' : 's'}): from then on requests skip this target${instead}`
}

/**
 * One warning per rule target or fallback that is retired, or retires within
 * RETIREMENT_NOTICE_DAYS of `today` (`YYYY-MM-DD`).
 *
 * @example lifecycleWarnings(policy, catalog, '2026-12-01') // [{ path: 'routes[1].action.model', message: 'claude-sonnet-4-5 retired on 2026-11-30: …' }]
 */
export function lifecycleWarnings (policy: CompiledPolicy, catalog: ModelCatalog, today: string): ConfigIssue[] {
  const warnings: ConfigIssue[] = []
  const add = (path: string, modelId: string): void => {
    const message = warningFor(modelId, catalog, today)
    if (message !== null) warnings.push({ path, message })
  }
  policy.rules.forEach((rule, i) => {
    const action = pathOf(pathOf('routes', i), 'action')
    if (rule.target.kind === 'model') add(pathOf(action, 'model'), rule.target.model)
    if (rule.target.kind === 'split') for (const choice of rule.target.choices) add(pathOf(pathOf(action, 'split'), choice.model), choice.model)
    rule.fallbacks.forEach((fallback, j) => { add(pathOf(pathOf(action, 'fallback'), j), fallback) })
  })
  return warnings
}
