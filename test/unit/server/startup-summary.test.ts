import { test } from 'node:test'
import assert from 'node:assert/strict'
import { listenUrl, startupSummary } from '../../../src/server/startup-summary.js'
import { redactUrl } from '../../../src/redact.js'
import type { StartupFacts } from '../../../src/server/startup-summary.js'

test('redactUrl: credentials hidden, the rest as written', () => {
  const cases: Array<[string, string]> = [
    ['https://api.anthropic.com', 'https://api.anthropic.com'],
    ['https://api.anthropic.com/', 'https://api.anthropic.com/'],
    ['http://127.0.0.1:4010/base', 'http://127.0.0.1:4010/base'],
    ['https://user:s3cret@proxy.internal:8443/anthropic', 'https://***:***@proxy.internal:8443/anthropic'],
    ['https://token@proxy.internal', 'https://***@proxy.internal'],
    ['redis://default:pw@cache:6379/0', 'redis://***:***@cache:6379/0'],
    ['rediss://:pw@cache:6380', 'rediss://:***@cache:6380'],
    ['not a url with a s3cret', '(unparsable URL)']
  ]
  for (const [raw, shown] of cases) assert.equal(redactUrl(raw), shown, raw)
})

test('listenUrl: IPv6 hosts in brackets', () => {
  assert.equal(listenUrl('0.0.0.0', 8080), 'http://0.0.0.0:8080')
  assert.equal(listenUrl('::', 8080), 'http://[::]:8080')
  assert.equal(listenUrl('localhost', 1234), 'http://localhost:1234')
})

const FACTS: StartupFacts = {
  version: '1.2.3',
  listenUrl: 'http://0.0.0.0:8080',
  upstreamUrl: 'https://key:secret@gateway.example/anthropic',
  policyPath: 'config/gateway.yaml',
  routeCount: 2,
  cache: { kind: 'memory', maxBytes: 64 * 1024 * 1024, mode: 'deterministic' },
  metrics: { url: 'http://0.0.0.0:8080/metrics', tokenRequired: false }
}

test('startupSummary: one line with version, listen address, redacted upstream, policy and routes, cache, metrics', () => {
  const cases: Array<{ name: string; facts: StartupFacts; message: string }> = [
    {
      name: 'memory cache, metrics on the main port',
      facts: FACTS,
      message: 'Server listening at http://0.0.0.0:8080: thriftline 1.2.3, upstream https://***:***@gateway.example/anthropic, policy config/gateway.yaml (2 routes), cache memory (64 MiB), mode deterministic, metrics http://0.0.0.0:8080/metrics'
    },
    {
      name: 'redis with a password, one route, metrics port behind a token',
      facts: { ...FACTS, routeCount: 1, cache: { kind: 'redis', url: 'redis://app:pw@redis:6379', mode: 'all' }, metrics: { url: 'http://0.0.0.0:9464/metrics', tokenRequired: true } },
      message: 'Server listening at http://0.0.0.0:8080: thriftline 1.2.3, upstream https://***:***@gateway.example/anthropic, policy config/gateway.yaml (1 route), cache redis redis://***:***@redis:6379, mode all, metrics http://0.0.0.0:9464/metrics (bearer token required)'
    },
    {
      name: 'sentinel',
      facts: { ...FACTS, cache: { kind: 'redis-sentinel', sentinels: 's1:26379,s2:26379', name: 'mymaster', mode: 'deterministic' } },
      message: 'Server listening at http://0.0.0.0:8080: thriftline 1.2.3, upstream https://***:***@gateway.example/anthropic, policy config/gateway.yaml (2 routes), cache redis sentinel s1:26379,s2:26379 (mymaster), mode deterministic, metrics http://0.0.0.0:8080/metrics'
    }
  ]
  for (const { name, facts, message } of cases) {
    const summary = startupSummary(facts)
    assert.equal(summary.message, message, name)
    assert.doesNotMatch(JSON.stringify(summary), /secret|pw@/, name)
  }
  assert.deepEqual(startupSummary(FACTS).fields, {
    version: '1.2.3',
    listen: 'http://0.0.0.0:8080',
    upstream: 'https://***:***@gateway.example/anthropic',
    policy: 'config/gateway.yaml',
    routes: 2,
    cache: 'memory (64 MiB), mode deterministic',
    metrics: 'http://0.0.0.0:8080/metrics'
  })
})
