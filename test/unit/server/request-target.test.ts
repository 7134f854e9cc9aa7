import { test } from 'node:test'
import assert from 'node:assert/strict'
import { originFormTarget } from '../../../src/server/request-target.js'

const TARGETS: Array<[string, string | null]> = [
  ['/v1/messages', '/v1/messages'],
  ['/v1/messages?beta=true', '/v1/messages?beta=true'],
  ['/v1/models/claude-sonnet-4-5', '/v1/models/claude-sonnet-4-5'],
  ['/v1/files/file_01.txt', '/v1/files/file_01.txt'],
  ['/v1/models?after_id=a..b', '/v1/models?after_id=a..b'],
  ['/v1/messages?q=/../..', '/v1/messages?q=/../..'],
  ['/v1/files/a%20b', '/v1/files/a%20b'],
  ['/v1/..foo/x', '/v1/..foo/x'],
  // absolute-form → origin-form
  ['http://evil/v1/models', '/v1/models'],
  ['HTTPS://evil:443/v1/models?x=1', '/v1/models?x=1'],
  ['http://evil', '/'],
  ['http://evil?x', '/?x'],
  // dot-segments, written out or encoded
  ['/v1/../../internal/admin', null],
  ['/v1/./messages', null],
  ['/v1/..', null],
  ['/v1/%2e%2e/%2e%2e/internal', null],
  ['/v1/%2E%2e/internal', null],
  ['/v1/.%2E/internal', null],
  ['/v1/..%2f..%2finternal', null],
  ['/v1/..%2F..%2Finternal', null],
  ['/v1/%252e%252e/internal', null],
  ['/v1\\..\\internal', null],
  ['/v1/..%5cinternal', null],
  ['http://evil/v1/../../internal', null],
  ['/v1/%zz', null],
  // not a path at all
  ['*', null],
  ['evil:443', null],
  ['v1/messages', null]
]

for (const [url, expected] of TARGETS) {
  test(`${JSON.stringify(url)} → ${JSON.stringify(expected)}`, () => assert.equal(originFormTarget(url), expected))
}
