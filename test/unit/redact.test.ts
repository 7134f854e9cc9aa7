import { test } from 'node:test'
import assert from 'node:assert/strict'
import { redactCredentials } from '../../src/redact.js'

const ROWS: Array<[string, string]> = [
  ['https://user:s3cret@proxy.example/v1', 'https://***:***@proxy.example/v1'],
  ['redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
  ['rediss://default:p%40ss@cache', 'rediss://***:***@cache'],
  ['redis://u:p@ss@host:1', 'redis://***:***@host:1'],
  ['https://tok_123@proxy.example', 'https://***@proxy.example'],
  ['connect to http://a:b@h1 then http://c:d@h2 failed', 'connect to http://***:***@h1 then http://***:***@h2 failed'],
  ['"http://u:p@h" must be an http(s) URL', '"http://***:***@h" must be an http(s) URL'],
  ['https://api.anthropic.com', 'https://api.anthropic.com'],
  ['mail me at ops@example.com', 'mail me at ops@example.com'],
  ['https://host/path?who=a@b', 'https://host/path?who=a@b']
]

for (const [input, expected] of ROWS) {
  test(`redactCredentials ${JSON.stringify(input)}`, () => { assert.equal(redactCredentials(input), expected) })
}
