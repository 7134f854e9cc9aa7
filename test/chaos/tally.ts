// Pure. What one chaos scenario counted, and the one table the suite prints.

export interface ScenarioResult {
  name: string
  /** Requests (and raw connections) sent. */
  sent: number
  /** Answered as they should be: a complete answer, or the right error in Anthropic's shape. */
  served: number
  /** Would have been served by the upstream (healthy model, valid request) but failed. Must be 0. */
  lost: number
  /** Wrong answers to requests the upstream would refuse anyway: a 5xx for a client mistake, a body not in Anthropic's shape, no answer within the bound. */
  bad: number
  /** Cancelled by the client on purpose (not failures). */
  aborted: number
  /** The gateway process died without being asked to. Must be 0. */
  crashes: number
  peakRssBytes: number
  /** An answer produced for one credential reached another. Must be 0. */
  crossCredentialHits: number
  durationMs: number
  /** Scenario-specific checks that failed (a breaker that never opened, a leaked in-flight gauge …). */
  failures: string[]
}

export function emptyResult (name: string): ScenarioResult {
  return { name, sent: 0, served: 0, lost: 0, bad: 0, aborted: 0, crashes: 0, peakRssBytes: 0, crossCredentialHits: 0, durationMs: 0, failures: [] }
}

export function passed (result: ScenarioResult): boolean {
  return result.lost === 0 && result.bad === 0 && result.crashes === 0 && result.crossCredentialHits === 0 && result.failures.length === 0
}

export function total (results: readonly ScenarioResult[]): ScenarioResult {
  const sum = emptyResult('TOTAL')
  for (const r of results) {
    sum.sent += r.sent
    sum.served += r.served
    sum.lost += r.lost
    sum.bad += r.bad
    sum.aborted += r.aborted
    sum.crashes += r.crashes
    sum.crossCredentialHits += r.crossCredentialHits
    sum.durationMs += r.durationMs
    sum.peakRssBytes = Math.max(sum.peakRssBytes, r.peakRssBytes)
    sum.failures.push(...r.failures.map((failure) => `${r.name}: ${failure}`))
  }
  return sum
}

const COLUMNS: Array<[string, (r: ScenarioResult) => string]> = [
  ['scenario', (r) => r.name],
  ['sent', (r) => String(r.sent)],
  ['served', (r) => String(r.served)],
  ['lost', (r) => String(r.lost)],
  ['bad', (r) => String(r.bad)],
  ['aborted', (r) => String(r.aborted)],
  ['crashes', (r) => String(r.crashes)],
  ['peak RSS MiB', (r) => (r.peakRssBytes / 1024 / 1024).toFixed(0)],
  ['x-cred hits', (r) => String(r.crossCredentialHits)],
  ['s', (r) => (r.durationMs / 1000).toFixed(1)],
  ['ok', (r) => (passed(r) ? 'yes' : 'NO')]
]

/** One plain-text table: a row per scenario and a TOTAL row, then the failed checks. */
export function formatTable (results: readonly ScenarioResult[]): string {
  const rows = [...results, total(results)]
  const cells = [COLUMNS.map(([title]) => title), ...rows.map((r) => COLUMNS.map(([, cell]) => cell(r)))]
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => (row[i] as string).length)))
  const line = (row: string[]): string => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ')
  const text = [line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)]
  const counts = new Map<string, number>()
  for (const failure of total(results).failures) counts.set(failure, (counts.get(failure) ?? 0) + 1)
  if (counts.size > 0) text.push('', 'failed checks:', ...[...counts].map(([failure, n]) => `  - ${failure}${n > 1 ? ` (×${n})` : ''}`))
  return text.join('\n')
}
