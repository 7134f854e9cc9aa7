// `npm run chaos [-- scenario …]`: every chaos scenario at full scale against the real gateway
// process, then one table. Loopback only; bounded in time (each scenario has its own bound).
// Exit 1 when any scenario lost a request, crashed the gateway, leaked an answer across
// credentials or failed one of its checks.

import { runChaos, SCENARIO_NAMES } from './runner.js'
import { formatTable, passed } from './tally.js'

const args = process.argv.slice(2)
if (args.includes('--help')) {
  process.stdout.write(`usage: npm run chaos [-- [--short] [scenario …]]\nscenarios: ${SCENARIO_NAMES.join(', ')}\n`)
  process.exit(0)
}
const short = args.includes('--short')
const only = args.filter((arg) => !arg.startsWith('--'))
const startedAt = Date.now()
const results = await runChaos({
  scale: short ? 'short' : 'full',
  only: only.length > 0 ? only : undefined,
  onResult: (result) => process.stderr.write(`chaos: ${result.name} done in ${(result.durationMs / 1000).toFixed(1)} s${passed(result) ? '' : ' (FAILED)'}\n`)
})
process.stdout.write(formatTable(results) + '\n')
process.stdout.write(`\n${results.length} scenarios in ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`)
process.exit(results.every(passed) ? 0 : 1)
