// The Docker image runs compiled JS with production dependencies only (tsx is a dev dependency).
// Checked without Docker: src/ imports only `dependencies`, and a compiled build laid out as the
// image lays it out (package.json, bin/, config/, dist/; no src/) runs the CLI and the gateway.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { builtinModules } from 'node:module'
import { freePort } from '../helpers/gateway-process.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; bin: Record<string, string> }

function run (args: string[], options: { cwd: string; env?: Record<string, string>; input?: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
    child.stdin.end(options.input ?? '')
  })
}

function sourceFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** The package a bare import specifier names (`@scope/name/x` → `@scope/name`). */
function packageOf (specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] as string
}

test('tsx is a dev dependency only, and src/ imports nothing but node built-ins and production dependencies', () => {
  assert.equal(PKG.dependencies.tsx, undefined)
  assert.ok(PKG.devDependencies.tsx !== undefined)
  const builtins = new Set(builtinModules)
  const problems: string[] = []
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8')
    // Value imports only: `import type` is erased by the compiler.
    for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)/gm)) {
      const specifier = (match[1] ?? match[2]) as string
      if (specifier.startsWith('node:') || builtins.has(specifier)) continue
      if (PKG.dependencies[packageOf(specifier)] === undefined) problems.push(`${file.slice(ROOT.length)}: ${specifier}`)
    }
  }
  assert.deepEqual(problems, [])
})

let image: string

before(async () => {
  // The image's layout: package.json, bin/, config/ and dist/, no src/.
  image = mkdtempSync(join(tmpdir(), 'thriftline-image-'))
  for (const entry of ['package.json', 'bin', 'config']) cpSync(join(ROOT, entry), join(image, entry), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(image, 'node_modules'))
  const build = await run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(image, 'dist')], { cwd: ROOT })
  assert.equal(build.code, 0, build.stdout + build.stderr)
})

after(() => { if (image !== undefined) rmSync(image, { recursive: true, force: true }) })

test('the CLI runs the compiled build where there are no sources: check, explain, schema', async () => {
  assert.ok(!existsSync(join(image, 'src')))
  const bin = join(image, PKG.bin.thriftline as string)
  const check = await run([bin, 'check', 'config/gateway.yaml'], { cwd: image })
  assert.equal(check.code, 0, check.stderr)
  assert.match(check.stdout, /^ok \(2 routes, 1 virtual model, \d+ catalog models\)/)

  const request = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 1024, system: 'You classify support tickets.', messages: [{ role: 'user', content: 'My invoice is wrong' }] })
  const explain = await run([bin, 'explain', '--config', 'config/examples/team-routing.yaml', '--header', 'x-team: support', '-'], { cwd: image, input: request })
  assert.equal(explain.code, 0, explain.stderr)
  assert.match(explain.stdout, /claude-sonnet-4-6 is sent as claude-haiku-4-5 by rule "support-to-haiku"/)

  const schema = await run([bin, 'schema'], { cwd: image })
  assert.equal(schema.code, 0, schema.stderr)
  assert.deepEqual(JSON.parse(schema.stdout), JSON.parse(readFileSync(join(ROOT, 'config/gateway.schema.json'), 'utf8')))
})

test('the compiled gateway (the image\'s CMD, node dist/main.js) starts, answers /healthz and /readyz, and stops on SIGTERM', async () => {
  const port = await freePort()
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: image,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ANTHROPIC_UPSTREAM_URL: 'http://127.0.0.1:9' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    const deadline = Date.now() + 20_000
    let ready: Response | null = null
    while (ready === null && Date.now() < deadline && child.exitCode === null) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null)
      if (ready === null) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.ok(ready !== null, output)
    assert.equal(ready.status, 200)
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200)
    assert.match(output, new RegExp(`thriftline ${PKG.version.replace(/\./g, '\\.')}, upstream http://127\\.0\\.0\\.1:9, policy config/gateway\\.yaml \\(2 routes\\)`))
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM')
    assert.equal(await exited, 0, output)
  }
})
