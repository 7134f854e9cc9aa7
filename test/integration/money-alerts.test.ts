// The thriftline-money alerts fire when unpriced tokens or malformed usage appear, and clear once
// they stop (promtool's rule unit tests over synthetic series).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { HAS_PROMTOOL } from '../helpers/prometheus.js'

test('ThriftlineUnpricedTraffic and ThriftlineMalformedUsage fire and clear', { skip: HAS_PROMTOOL ? false : 'promtool is not installed (apt-get install prometheus)' }, () => {
  const file = fileURLToPath(new URL('../fixtures/prometheus/money-alerts.test.yml', import.meta.url))
  const result = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stdout + result.stderr)
})
