import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseDurationMs, parseSizeBytes } from '../../../src/config/units.js'
import { suggest } from '../../../src/config/suggest.js'
import { parsePath, pathOf } from '../../../src/config/checker.js'

const DURATIONS: Array<[unknown, number | null]> = [
  ['500ms', 500], ['10s', 10_000], ['10m', 600_000], ['1h', 3_600_000], ['0s', 0], [' 5s ', 5000],
  ['10', null], [10, null], ['1.5s', null], ['-1s', null], ['10 s', null], ['10d', null], ['', null], [null, null]
]
for (const [input, expected] of DURATIONS) {
  test(`duration ${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(parseDurationMs(input), expected))
}

const SIZES: Array<[unknown, number | null]> = [
  ['1MiB', 1_048_576], ['64MiB', 67_108_864], ['16KiB', 16_384], ['1KB', 1000], ['2MB', 2_000_000], ['1GiB', 1_073_741_824], ['512B', 512],
  [4096, 4096], [0, 0], ['4096', null], [1.5, null], [-1, null], ['1 MiB', null], ['1mib', null], [true, null]
]
for (const [input, expected] of SIZES) {
  test(`size ${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(parseSizeBytes(input), expected))
}

const SUGGESTIONS: Array<[string, string[], string | null]> = [
  ['fallbacks', ['model', 'fallback', 'split'], 'fallback'],
  ['modle', ['model', 'fallback', 'split'], 'model'],
  ['spilt', ['model', 'fallback', 'split'], 'split'],
  ['xyz', ['model', 'fallback', 'split'], null],
  ['claude-haiku-4.5', ['claude-haiku-4-5', 'claude-sonnet-4-5'], 'claude-haiku-4-5']
]
for (const [name, candidates, expected] of SUGGESTIONS) {
  test(`suggest ${name} → ${String(expected)}`, () => assert.equal(suggest(name, candidates), expected))
}

const PATHS: Array<[string, Array<string | number> | null]> = [
  ['routes[2].match.system_matches', ['routes', 2, 'match', 'system_matches']],
  ['routes[0].match.header.x-team', ['routes', 0, 'match', 'header', 'x-team']],
  ['routes[0].match.header["x team"]', ['routes', 0, 'match', 'header', 'x team']],
  ['upstream.url', ['upstream', 'url']],
  ['(top level)', null],
  ['line 3, column 5', null]
]
for (const [path, expected] of PATHS) {
  test(`parsePath ${path}`, () => assert.deepEqual(parsePath(path), expected))
}

test('pathOf and parsePath round-trip odd keys', () => {
  const path = pathOf(pathOf(pathOf('routes', 1), 'split'), 'claude-3.5 "x"')
  assert.equal(path, 'routes[1].split["claude-3.5 \\"x\\""]')
  assert.deepEqual(parsePath(path), ['routes', 1, 'split', 'claude-3.5 "x"'])
})
