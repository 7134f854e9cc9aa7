// Runs chaos scenarios against one harness, one after another, and fills one ScenarioResult each:
// duration, peak RSS of the gateway process while it ran, crashes (the process died unasked; it is
// restarted so the next scenario still runs), cross-credential hits (answer ids two credentials saw).

import { AnswerLedger, agent } from './clients.js'
import { startHarness, sampleRss } from './harness.js'
import { FULL, SCENARIOS, SHORT } from './scenarios.js'
import type { Scale } from './scenarios.js'
import { emptyResult } from './tally.js'
import type { ScenarioResult } from './tally.js'

export interface RunOptions {
  scale: 'full' | 'short' | Scale
  /** Scenario names to run (default: all, in the suite's order). */
  only?: readonly string[]
  seed?: number
  /** Called as each scenario finishes. */
  onResult?: (result: ScenarioResult) => void
}

export const SCENARIO_NAMES = SCENARIOS.map(([name]) => name)

export async function runChaos (options: RunOptions): Promise<ScenarioResult[]> {
  const scale = options.scale === 'full' ? FULL : options.scale === 'short' ? SHORT : options.scale
  const only = options.only ?? SCENARIO_NAMES
  const unknown = only.filter((name) => !SCENARIO_NAMES.includes(name))
  if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(', ')} (known: ${SCENARIO_NAMES.join(', ')})`)
  const ledger = new AnswerLedger()
  const h = await startHarness()
  const results: ScenarioResult[] = []
  try {
    for (const [name, scenario] of SCENARIOS) {
      if (!only.includes(name)) continue
      const result = emptyResult(name)
      const crossBefore = ledger.crossHits
      const rss = sampleRss(() => h.gateway.pid)
      const startedAt = Date.now()
      try {
        await scenario({ h, scale, ledger, result, seed: options.seed ?? 20261203 })
      } catch (err) {
        result.failures.push(`the scenario itself failed: ${err instanceof Error ? err.message : String(err)}`)
      }
      result.durationMs = Date.now() - startedAt
      result.peakRssBytes = rss.stop()
      result.crossCredentialHits = ledger.crossHits - crossBefore
      const crash = h.gateway.crashed()
      if (crash !== null) {
        result.crashes++
        result.failures.push(`the gateway died (exit ${String(crash.code)}): ${crash.output.split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 300)}`)
        await h.restartGateway()
      }
      results.push(result)
      options.onResult?.(result)
    }
  } finally {
    await h.close()
    await agent.close().catch(() => {})
  }
  return results
}
