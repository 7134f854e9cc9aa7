import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileGlobs, compileRegex } from '../../../src/policy/patterns.js'

const GLOBS: Array<{ name: string; globs: string[]; input: string; expected: boolean }> = [
  { name: 'exact literal', globs: ['claude-haiku-4-5'], input: 'claude-haiku-4-5', expected: true },
  { name: 'literal is anchored at the end', globs: ['claude-haiku-4-5'], input: 'claude-haiku-4-5-20251001', expected: false },
  { name: 'literal is anchored at the start', globs: ['haiku-4-5'], input: 'claude-haiku-4-5', expected: false },
  { name: 'trailing star takes the dated id', globs: ['claude-sonnet-4-5*'], input: 'claude-sonnet-4-5-20250929', expected: true },
  { name: 'star matches nothing too', globs: ['claude-sonnet-4-5*'], input: 'claude-sonnet-4-5', expected: true },
  { name: 'sonnet-4* also takes sonnet-4-5', globs: ['claude-sonnet-4*'], input: 'claude-sonnet-4-5', expected: true },
  { name: 'star in the middle', globs: ['claude-*-4-5'], input: 'claude-opus-4-5', expected: true },
  { name: 'lone star matches everything', globs: ['*'], input: 'anything at all', expected: true },
  { name: 'lone star matches the empty string', globs: ['*'], input: '', expected: true },
  { name: 'empty glob matches only empty', globs: [''], input: 'x', expected: false },
  { name: 'double star is one star', globs: ['a**b'], input: 'a-x-b', expected: true },
  { name: 'question mark is one character', globs: ['claude-?-haiku'], input: 'claude-3-haiku', expected: true },
  { name: 'question mark is not zero characters', globs: ['claude-?-haiku'], input: 'claude--haiku', expected: false },
  { name: 'dot is literal', globs: ['claude-3.5*'], input: 'claude-3x5-haiku', expected: false },
  { name: 'dot matches a dot', globs: ['claude-3.5*'], input: 'claude-3.5-haiku', expected: true },
  { name: 'regex metacharacters are literal', globs: ['a+b(c)[d]{2}|^$'], input: 'a+b(c)[d]{2}|^$', expected: true },
  { name: 'backslash is literal', globs: ['a\\b'], input: 'a\\b', expected: true },
  { name: 'case-sensitive', globs: ['Claude-*'], input: 'claude-haiku-4-5', expected: false },
  { name: 'list: any glob', globs: ['claude-opus-*', 'claude-sonnet-*'], input: 'claude-sonnet-4-5', expected: true },
  { name: 'list: none', globs: ['claude-opus-*', 'claude-sonnet-*'], input: 'claude-haiku-4-5', expected: false },
  { name: 'star crosses newlines in header values', globs: ['a*b'], input: 'a\nb', expected: true },
  { name: 'colon prefix glob on a user id', globs: ['tenant-a:*'], input: 'tenant-a:user-9', expected: true },
  { name: 'prefix glob does not match another tenant', globs: ['tenant-a:*'], input: 'tenant-ab:user-9', expected: false },
  { name: 'unicode literal', globs: ['équipe-*'], input: 'équipe-support', expected: true }
]

for (const row of GLOBS) {
  test(`glob: ${row.name}`, () => {
    assert.equal(compileGlobs(row.globs).regex.test(row.input), row.expected)
  })
}

const REGEXES: Array<{ source: string; input: string; expected: boolean | 'error' }> = [
  { source: 'classif|summar', input: 'Please summarize this', expected: true },
  { source: 'classif|summar', input: 'Please SUMMARIZE this', expected: false },
  { source: '(?i)classif|summar', input: 'Please SUMMARIZE this', expected: true },
  { source: '(?i)^you are a support agent', input: 'You are a support agent for Acme', expected: true },
  { source: '(?s)start.end', input: 'start\nend', expected: true },
  { source: 'start.end', input: 'start\nend', expected: false },
  { source: '(?im)^second', input: 'first\nSecond line', expected: true },
  { source: '(unclosed', input: '', expected: 'error' },
  { source: '(?i)[z-a]', input: '', expected: 'error' }
]

for (const row of REGEXES) {
  test(`regex ${row.source} on ${JSON.stringify(row.input)} → ${String(row.expected)}`, () => {
    const compiled = compileRegex(row.source)
    if (row.expected === 'error') {
      assert.ok('error' in compiled)
      assert.match(compiled.error, /^invalid regular expression: /)
      return
    }
    assert.ok(!('error' in compiled))
    assert.equal(compiled.regex.test(row.input), row.expected)
  })
}

test('a frozen compiled regex still tests (no lastIndex writes)', () => {
  const compiled = compileRegex('(?i)abc')
  assert.ok(!('error' in compiled))
  Object.freeze(compiled.regex)
  assert.equal(compiled.regex.test('xxABCxx'), true)
  assert.equal(compiled.regex.test('nope'), false)
  const glob = Object.freeze(compileGlobs(['a*']).regex)
  assert.equal(glob.test('abc'), true)
})
