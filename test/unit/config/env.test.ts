import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readEnv } from '../../../src/config/env.js'

test('defaults when nothing is set', () => {
  const result = readEnv({})
  assert.ok('config' in result)
  assert.deepEqual(result.config, {
    port: 8080, host: '0.0.0.0', upstreamUrl: null, configPath: 'config/gateway.yaml', redisUrl: null, logLevel: 'info',
    metricsPort: null, metricsToken: null, adminToken: null, publicUrl: null, bodyLimitBytes: 33554432,
    bodyBudgetBytes: null, headersTimeoutMs: 60000, requestTimeoutMs: 300000, keepAliveTimeoutMs: 72000, upstreamBufferLimitBytes: 33554432,
    shutdownTimeoutMs: 30000, maxConnections: null
  })
})

test('reads every variable', () => {
  const result = readEnv({
    PORT: '9000', HOST: '127.0.0.1', ANTHROPIC_UPSTREAM_URL: 'http://127.0.0.1:4010/', GATEWAY_CONFIG: 'x.yaml',
    REDIS_URL: 'rediss://:pw@cache:6380/0', LOG_LEVEL: 'debug', METRICS_PORT: '9464', METRICS_TOKEN: 's3cret',
    PUBLIC_URL: 'https://gw.example.com', BODY_LIMIT_BYTES: '1000', SHUTDOWN_TIMEOUT_MS: '5000'
  })
  assert.ok('config' in result)
  assert.equal(result.config.upstreamUrl, 'http://127.0.0.1:4010')
  assert.equal(result.config.redisUrl, 'rediss://:pw@cache:6380/0')
  assert.equal(result.config.metricsPort, 9464)
})

test('reads the memory and connection limits', () => {
  const result = readEnv({
    REQUEST_BUFFER_BUDGET_BYTES: '4194304', HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '1000', KEEP_ALIVE_TIMEOUT_MS: '2000',
    UPSTREAM_BUFFER_LIMIT_BYTES: '65536', MAX_CONNECTIONS: '5000'
  })
  assert.ok('config' in result)
  const { bodyBudgetBytes, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, upstreamBufferLimitBytes, maxConnections } = result.config
  assert.deepEqual([bodyBudgetBytes, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, upstreamBufferLimitBytes, maxConnections], [4194304, 500, 1000, 2000, 65536, 5000])
})

const INVALID: Array<[Record<string, string>, string]> = [
  [{ PORT: 'eighty' }, 'PORT'],
  [{ PORT: '70000' }, 'PORT'],
  [{ ANTHROPIC_UPSTREAM_URL: 'api.anthropic.com' }, 'ANTHROPIC_UPSTREAM_URL'],
  [{ ANTHROPIC_UPSTREAM_URL: 'ftp://x' }, 'ANTHROPIC_UPSTREAM_URL'],
  [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
  [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
  [{ METRICS_PORT: '-1' }, 'METRICS_PORT'],
  [{ BODY_LIMIT_BYTES: '0' }, 'BODY_LIMIT_BYTES'],
  [{ REQUEST_BUFFER_BUDGET_BYTES: 'lots' }, 'REQUEST_BUFFER_BUDGET_BYTES'],
  [{ REQUEST_TIMEOUT_MS: '0' }, 'REQUEST_TIMEOUT_MS'],
  // Node refuses a header timeout longer than the request timeout.
  [{ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' }, 'HEADERS_TIMEOUT_MS'],
  [{ UPSTREAM_BUFFER_LIMIT_BYTES: '-5' }, 'UPSTREAM_BUFFER_LIMIT_BYTES'],
  [{ MAX_CONNECTIONS: '-1' }, 'MAX_CONNECTIONS'],
  [{ MAX_CONNECTIONS: 'abc' }, 'MAX_CONNECTIONS'],
  [{ MAX_CONNECTIONS: '0' }, 'MAX_CONNECTIONS']
]
for (const [env, variable] of INVALID) {
  test(`an invalid ${variable} is one issue naming it`, () => {
    const result = readEnv(env)
    assert.ok('issue' in result)
    assert.equal(result.issue.variable, variable)
    assert.match(result.issue.message, new RegExp(`^${variable}: `))
  })
}

test('a Redis password never appears in the error', () => {
  const result = readEnv({ REDIS_URL: 'http://:hunter2@cache' })
  assert.ok('issue' in result)
  assert.doesNotMatch(result.issue.message, /hunter2/)
})
