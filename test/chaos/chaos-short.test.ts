// The chaos suite's short form, run by `npm test` after every other test file (alone: its load
// would otherwise starve the timing-sensitive cache tests running beside it): the same runner as
// `npm run chaos` with small counts. Every scenario must lose no request the upstream would have served, never crash the
// gateway, never hand one credential's answer to another, and stay within a memory bound.
//
// Scenarios whose fixes live on other branches until they are merged are left out here (they
// run in the full `npm run chaos`): see PENDING below.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runChaos, SCENARIO_NAMES } from './runner.js'
import { formatTable } from './tally.js'

/** Not yet passing on this branch; each waits for the fix named. */
const PENDING: Readonly<Record<string, string>> = {
  'unrecognised-credentials': 'issue 16 item 7 (no recognised credential → cache bypass)',
  'malformed-requests': 'issue 16 item 2 (Expect: 100-continue → 502)',
  'deep-json': 'issue 16 item 9 (deep JSON → 500)',
  'slow-bodies': 'issue 16 item 4 (request-body timeout)',
  'oversized-bodies': 'issue 16 items 1 and 11 (bounded buffering; the client reads the 413 instead of EPIPE)'
}

/** The gateway process's peak RSS: it rests near 150 MiB; the bound leaves room for two 40 MiB bodies. */
const RSS_BOUND_BYTES = 768 * 1024 * 1024

test('chaos, short form: zero lost requests, zero crashes, zero cross-credential hits, bounded memory', { timeout: 240_000 }, async (t) => {
  const results = await runChaos({ scale: 'short', only: SCENARIO_NAMES.filter((name) => !(name in PENDING)) })
  for (const line of formatTable(results).split('\n')) t.diagnostic(line)
  for (const result of results) {
    assert.equal(result.crashes, 0, `${result.name}: crashes`)
    assert.equal(result.lost, 0, `${result.name}: requests the upstream would have served, failed`)
    assert.equal(result.crossCredentialHits, 0, `${result.name}: cross-credential hits`)
    assert.equal(result.bad, 0, `${result.name}: wrong answers: ${result.failures.join('; ')}`)
    assert.deepEqual(result.failures, [], result.name)
    assert.ok(result.sent > 0, `${result.name}: sent nothing`)
    assert.ok(result.peakRssBytes > 0 && result.peakRssBytes < RSS_BOUND_BYTES, `${result.name}: peak RSS ${result.peakRssBytes}`)
  }
})
