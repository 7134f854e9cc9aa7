// `thriftline check|explain|schema`, run as a user runs them: a child process of bin/thriftline.js.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const FIXTURES = 'test/fixtures/policies'

function cli (args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['bin/thriftline.js', ...args], { cwd: ROOT, env: { ...process.env, GATEWAY_CONFIG: '' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

test('check: a valid file prints ok and exits 0', async () => {
  const { code, stdout, stderr } = await cli(['check', 'config/gateway.yaml'])
  assert.equal(stderr, '')
  assert.match(stdout, /^ok \(2 routes, 1 virtual model, \d+ catalog models\)\n$/)
  assert.equal(code, 0)
})

test('check: defaults to config/gateway.yaml', async () => {
  const { code, stdout } = await cli(['check'])
  assert.equal(code, 0)
  assert.match(stdout, /^ok /)
})

test('check: a retired rule target is a warning on stderr, not a failure', async () => {
  const file = `${FIXTURES}/retired-targets.yaml`
  const { code, stdout, stderr } = await cli(['check', file])
  assert.equal(code, 0)
  assert.match(stdout, /^ok \(1 route,/)
  assert.deepEqual(stderr.trim().split('\n'), [
    `${file}: warning: routes[0].action.model: claude-3-haiku retired on 2026-04-20: requests skip this target; use claude-haiku-4-5`,
    `${file}: warning: routes[0].action.fallback[0]: claude-sonnet-4 retired on 2026-06-15: requests skip this target; use claude-sonnet-4-6`
  ])
})

test('check: every issue as "file: path: reason (line N)", exit 1', async () => {
  const file = `${FIXTURES}/invalid-mixed.yaml`
  const { code, stdout, stderr } = await cli(['check', file])
  assert.equal(code, 1)
  assert.equal(stdout, '')
  assert.deepEqual(stderr.trim().split('\n'), [
    `${file}: upstream.url: "not a url" is not an absolute URL (line 2)`,
    `${file}: upstream.connect_timeout: must be a duration such as 500ms, 10s, 10m or 1h, got number 10 (line 3)`,
    `${file}: cache.mode: must be one of deterministic, all, off, got the string "sometimes" (line 5)`,
    `${file}: routes[0].match.system_matches: invalid regular expression: /classif(/i: Unterminated group (line 10)`,
    `${file}: routes[0].action.weight: unknown key "weight"; did you mean split? (line 13)`,
    `${file}: routes[1].action.split.claude-haiku-4-5: weight must be a positive number, got 0 (line 16)`
  ])
})

test('check: a YAML syntax error gives its line and column', async () => {
  const file = `${FIXTURES}/yaml-syntax.yaml`
  const { code, stderr } = await cli(['check', file])
  assert.equal(code, 1)
  assert.match(stderr, new RegExp(`^${file}: line \\d+, column \\d+: YAML syntax error: `))
})

test('check: a missing file', async () => {
  const { code, stderr } = await cli(['check', 'nope.yaml'])
  assert.equal(code, 1)
  assert.match(stderr, /^nope\.yaml: \(file\): cannot read nope\.yaml: ENOENT/)
})

test('explain: summary and one line per rule, headers considered', async () => {
  const { code, stdout } = await cli(['explain', '--config', 'config/examples/team-routing.yaml', '--header', 'x-team: support', '--date', '2026-03-01', `${FIXTURES}/request-support.json`])
  assert.equal(code, 0)
  const lines = stdout.trim().split('\n')
  assert.equal(lines[0], 'claude-sonnet-4-5 is sent as claude-haiku-4-5 by rule "support-to-haiku"; fallbacks: claude-sonnet-4-6.')
  assert.match(lines[1] ?? '', /^ {2}estimated input ~\d+ tokens, max_tokens 1024, tools false, images false, thinking off$/)
  assert.equal(lines[2], '  ✓ support-to-haiku: matched: claude-sonnet-4-5 → claude-haiku-4-5')
  assert.equal(lines[3], '  · research-to-opus: not evaluated: an earlier rule matched first')
})

test('explain: without the header, the team rule does not match and says why', async () => {
  const { code, stdout } = await cli(['explain', '--config', 'config/examples/team-routing.yaml', '--date', '2026-03-01', `${FIXTURES}/request-support.json`])
  assert.equal(code, 0)
  assert.match(stdout, /✗ support-to-haiku: not matched: header: header x-team is absent \(wanted support\)/)
  assert.match(stdout, /^claude-sonnet-4-5 is sent unchanged \(no rule matched\)\./)
})

test('explain --json: the endpoint\'s decision and explanation, from stdin', async () => {
  const { code, stdout } = await cli(['explain', '--json', '--date', '2026-03-01', '-'], readFileSync(`${ROOT}${FIXTURES}/request-auto.json`, 'utf8'))
  assert.equal(code, 0)
  const out = JSON.parse(stdout) as { decision: { targetModel: string; rule: string; trace?: unknown }; explanation: { rules: string[] } }
  assert.equal(out.decision.targetModel, 'claude-haiku-4-5')
  assert.equal(out.decision.rule, 'auto-short')
  assert.equal(out.decision.trace, undefined)
  assert.equal(out.explanation.rules[0], '✓ auto-short: matched: claude-auto → claude-haiku-4-5')
})

test('explain: an invalid request body is reported, exit 1', async () => {
  const { code, stderr } = await cli(['explain', '-'], '{"model": "x"}')
  assert.equal(code, 1)
  assert.match(stderr, /^-: messages: Field required/)
})

test('usage errors exit 2', async () => {
  assert.equal((await cli(['frobnicate'])).code, 2)
  assert.equal((await cli(['explain'])).code, 2)
  assert.equal((await cli(['explain', '--random', '7', 'x.json'])).code, 2)
  assert.equal((await cli(['explain', '--bogus', 'x.json'])).code, 2)
})

test('schema prints config/gateway.schema.json', async () => {
  const { code, stdout } = await cli(['schema'])
  assert.equal(code, 0)
  assert.equal(stdout, readFileSync(`${ROOT}config/gateway.schema.json`, 'utf8'))
})
