// The README's policy example is what a new user copies first: its `thriftline check` and
// `thriftline explain` transcripts must be what the CLI prints for that very file.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

/** Fenced blocks of one language, in order. */
function blocks (markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1] as string)
}

/** `$ command` (with `\` continuations) followed by its expected output, per transcript entry. */
function transcript (block: string): Array<{ command: string; output: string }> {
  const entries: Array<{ command: string; output: string }> = []
  const lines = block.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!(lines[i] as string).startsWith('$ ')) continue
    let command = (lines[i] as string).slice(2)
    while (command.endsWith('\\')) command = command.slice(0, -1) + ' ' + (lines[++i] as string).trim()
    const output: string[] = []
    while (i + 1 < lines.length && !(lines[i + 1] as string).startsWith('$ ')) output.push(lines[++i] as string)
    entries.push({ command, output: output.join('\n').trim() })
  }
  return entries
}

test('README: the minimal policy\'s check and explain transcripts are what the CLI prints', () => {
  const policy = blocks(README, 'yaml').find((b) => b.startsWith('# my-policy.yaml\n'))
  assert.ok(policy !== undefined, 'the README has a yaml block starting with "# my-policy.yaml"')
  const console = blocks(README, 'console').find((b) => b.includes('thriftline check my-policy.yaml'))
  assert.ok(console !== undefined)
  const entries = transcript(console).filter((e) => e.command.includes('npx thriftline'))
  assert.equal(entries.length, 2)
  const dir = mkdtempSync(join(tmpdir(), 'readme-policy-'))
  try {
    writeFileSync(join(dir, 'my-policy.yaml'), policy)
    for (const { command, output } of entries) {
      const local = command.replaceAll('npx thriftline', `node ${JSON.stringify(join(ROOT, 'bin/thriftline.js'))}`)
      const result = spawnSync('bash', ['-c', local], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
      assert.equal(result.status, 0, `${command}\n${result.stderr}`)
      assert.equal(result.stdout.trim(), output, command)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
