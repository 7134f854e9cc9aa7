// `npm run demo` is the first thing a new user runs: it must run clean (no SDK deprecation
// warnings, nothing on stderr), run a policy shipped in config/examples/, and its table must say
// what happened.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

async function runDemo (): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** The table row for a step: its columns after the step's own words. */
function row (stdout: string, step: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(step))
  assert.ok(line !== undefined, `no row for "${step}" in:\n${stdout}`)
  return line.slice(step.length)
}

test('npm run demo: exit 0, nothing on stderr, a shipped policy, and notes that match what happened', async () => {
  const { code, stdout, stderr } = await runDemo()
  assert.equal(code, 0, stderr)
  assert.equal(stderr, '', 'the demo writes nothing to stderr (the SDK warns there about deprecated models)')
  assert.doesNotMatch(stdout, /deprecated|end-of-life/i)
  assert.match(stdout, /policy config\/examples\/demo\.yaml/)

  assert.match(row(stdout, 'support chat asked of Sonnet 4.6'), /claude-sonnet-4-6\s+claude-haiku-4-5\s+support-to-haiku\s+bypass\s*$/)
  assert.match(row(stdout, 'engineering asks Sonnet 4.6 (no rule)'), /claude-sonnet-4-6\s+claude-sonnet-4-6\s+-\s+bypass\s*$/)
  assert.match(row(stdout, 'claude-auto while Haiku is overloaded'), /claude-auto\s+claude-sonnet-4-6\s+auto\s+bypass\s+claude-haiku-4-5 answered 529: fallback to claude-sonnet-4-6$/)
  assert.match(row(stdout, 'retired Haiku 3.5 (lifecycle remap)'), /claude-haiku-4-5\s+-\s+bypass\s+retired model, sent to its replacement claude-haiku-4-5$/)
  assert.match(row(stdout, 'Opus 4.6 (a shadow rule watches)'), /claude-opus-4-6\s+claude-opus-4-6\s+-\s+bypass\s+shadow rule opus-to-sonnet would have sent it to claude-sonnet-4-6$/)
  assert.match(row(stdout, 'classifier at temperature 0, first time'), /\smiss\s*$/)
  assert.match(row(stdout, 'same classifier, again'), /\shit\s+answered from the cache, no upstream call$/)
  assert.match(row(stdout, 'same again, streamed'), /\shit\s+answered from the cache, no upstream call; streamed$/)
  // 10 requests, 2 from the cache, 1 extra call for the fallback.
  assert.match(stdout, /Upstream calls made: 9 for 10 requests \(2 answered from the cache, 1 extra for fallbacks\)\./)
  assert.match(stdout, /Shadow rule opus-to-sonnet would have saved a further \$0\.\d+\./)
})
