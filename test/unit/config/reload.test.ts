import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { EventEmitter } from 'node:events'
import { loadConfig } from '../../../src/config/load.js'
import { createConfigHolder, watchConfig } from '../../../src/config/reload.js'
import type { ConfigIssue } from '../../../src/config/issues.js'
import type { RuntimeConfig } from '../../../src/config/types.js'
import { createConfigMapDir } from '../../helpers/configmap-dir.js'

const VALID_A = 'routes: [{ name: rule-a, action: { model: claude-haiku-4-5 } }]\n'
const VALID_B = 'routes: [{ name: rule-b, action: { model: claude-sonnet-4-5 } }]\n'
const INVALID = 'routes: [{ name: rule-c, action: { weight: { claude-haiku-4-5: 1 } } }]\n'

/** `sighup`: reload on SIGHUP only (the watched path is one that never changes). */
async function setup (t: { after: (fn: () => Promise<void> | void) => void }, initial: string, options: { sighup?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-reload-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'gateway.yaml')
  await writeFile(path, initial)
  const load = () => loadConfig(path, { nowMs: Date.now(), envOverrides: {} })
  const first = await load()
  assert.ok('config' in first)
  const holder = createConfigHolder(first.config)
  const results = new EventEmitter()
  const seen: Array<{ result: 'success' | 'failure'; issues: readonly ConfigIssue[] }> = []
  const watcher = watchConfig({
    path: options.sighup === true ? join(dir, 'unwatched', 'gateway.yaml') : path,
    holder,
    load,
    ...(options.sighup === true ? {} : { signal: null }),
    debounceMs: 20,
    onResult: (result, issues) => { seen.push({ result, issues }); results.emit('result', result) }
  })
  t.after(() => watcher.close())
  return { dir, path, holder, watcher, results, seen }
}

/** The next onResult; a ref'd timer keeps the loop alive meanwhile (the watcher itself is unref'd). */
async function nextResult (results: EventEmitter): Promise<unknown[]> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('no reload within 5s')), 5000) })
  try {
    return await Promise.race([once(results, 'result'), timeout])
  } finally {
    clearTimeout(timer)
  }
}

const ruleOf = (config: RuntimeConfig): string | undefined => config.policy.ruleNames[0]

test('a valid edit of the file swaps the config in', async (t) => {
  const { path, holder, results } = await setup(t, VALID_A)
  const before = holder.current()
  const next = nextResult(results)
  await writeFile(path, VALID_B)
  assert.deepEqual(await next, ['success'])
  assert.equal(ruleOf(holder.current()), 'rule-b')
  assert.equal(ruleOf(before), 'rule-a', 'a snapshot taken earlier is never changed')
})

test('an invalid file keeps the old config and reports every issue', async (t) => {
  const { path, holder, results, seen } = await setup(t, VALID_A)
  const before = holder.current()
  const next = nextResult(results)
  await writeFile(path, INVALID)
  assert.deepEqual(await next, ['failure'])
  assert.equal(holder.current(), before)
  assert.match(seen[0]?.issues[0]?.message ?? '', /unknown key "weight"; did you mean split\?/)
  assert.equal(seen[0]?.issues[0]?.path, 'routes[0].action.weight')
})

test('an editor-style replace (write a temp file, rename over) is picked up', async (t) => {
  const { dir, path, holder, results } = await setup(t, VALID_A)
  const next = nextResult(results)
  const temp = join(dir, '.gateway.yaml.swp')
  await writeFile(temp, VALID_B)
  await rename(temp, path)
  assert.deepEqual(await next, ['success'])
  assert.equal(ruleOf(holder.current()), 'rule-b')
})

test('a Kubernetes ConfigMap update (the kubelet swaps the ..data link; gateway.yaml itself never changes) is picked up', async (t) => {
  const volume = await createConfigMapDir({ 'gateway.yaml': VALID_A })
  t.after(() => volume.remove())
  const path = volume.pathOf('gateway.yaml')
  const load = () => loadConfig(path, { nowMs: Date.now(), envOverrides: {} })
  const first = await load()
  assert.ok('config' in first)
  const holder = createConfigHolder(first.config)
  const results = new EventEmitter()
  const watcher = watchConfig({ path, holder, load, signal: null, debounceMs: 20, onResult: (result) => { results.emit('result', result) } })
  t.after(() => watcher.close())
  const next = nextResult(results)
  await volume.update({ 'gateway.yaml': VALID_B })
  assert.deepEqual(await next, ['success'])
  assert.equal(ruleOf(holder.current()), 'rule-b')
})

test('after a rejected edit, the next valid edit still swaps in', async (t) => {
  const { path, holder, results } = await setup(t, VALID_A)
  let next = nextResult(results)
  await writeFile(path, INVALID)
  assert.deepEqual(await next, ['failure'])
  next = nextResult(results)
  await writeFile(path, VALID_B)
  assert.deepEqual(await next, ['success'])
  assert.equal(ruleOf(holder.current()), 'rule-b')
})

test('reload() (what SIGHUP does) reloads on demand; a deleted file is a failure that keeps the old config', async (t) => {
  const { path, holder, watcher, seen } = await setup(t, VALID_A)
  const before = holder.current()
  await rm(path)
  await watcher.reload()
  assert.equal(holder.current(), before)
  assert.equal(seen.at(-1)?.result, 'failure')
  assert.match(seen.at(-1)?.issues[0]?.message ?? '', /cannot read/)
})

const EMPTY_FILES: Array<[string, string]> = [
  ['an empty file', ''],
  ['only blank lines', '\n\n  \n'],
  ['only comments', '# routes moved elsewhere\n# nothing here\n'],
  ['a bare document marker', '---\n'],
  ['a document end marker', '...\n'],
  ['an explicit null', 'null\n']
]

for (const [name, text] of EMPTY_FILES) {
  test(`${name} is refused at start and on reload: the old policy (routes, upstream.url) keeps serving`, async (t) => {
    const { path, holder, watcher, seen } = await setup(t, 'upstream: { url: "http://127.0.0.1:9" }\n' + VALID_A)
    const before = holder.current()
    await writeFile(path, text)
    assert.ok('issues' in await loadConfig(path, { nowMs: Date.now(), envOverrides: {} }), 'refused at start')
    await watcher.reload()
    assert.equal(holder.current(), before)
    assert.equal(ruleOf(holder.current()), 'rule-a')
    assert.equal(holder.current().upstream.url, 'http://127.0.0.1:9')
    assert.equal(seen.at(-1)?.result, 'failure')
    assert.match(seen.at(-1)?.issues[0]?.message ?? '', /no YAML document/)
  })
}

test('`{}` is still a valid policy: all defaults, on purpose', async (t) => {
  const { path, holder, watcher, seen } = await setup(t, VALID_A)
  await writeFile(path, '{}\n')
  await watcher.reload()
  assert.equal(seen.at(-1)?.result, 'success')
  assert.equal(holder.current().policy.rules.length, 0)
})

test('SIGHUP triggers a reload', async (t) => {
  const { path, holder, results } = await setup(t, VALID_A, { sighup: true })
  await writeFile(path, VALID_B)
  const next = nextResult(results)
  process.kill(process.pid, 'SIGHUP')
  assert.deepEqual(await next, ['success'])
  assert.equal(ruleOf(holder.current()), 'rule-b')
})

test('closing the watcher removes the SIGHUP listener', () => {
  const before = process.listenerCount('SIGHUP')
  const holder = createConfigHolder({} as RuntimeConfig)
  const watcher = watchConfig({ path: join(tmpdir(), 'none', 'x.yaml'), holder, load: async () => ({ issues: [] }), onResult: () => {} })
  assert.equal(process.listenerCount('SIGHUP'), before + 1)
  watcher.close()
  assert.equal(process.listenerCount('SIGHUP'), before)
})

test('a holder swap is what new readers see; an unbound current() works', () => {
  const a = {} as RuntimeConfig
  const b = {} as RuntimeConfig
  const holder = createConfigHolder(a)
  const current = holder.current
  assert.equal(current(), a)
  holder.swap(b)
  assert.equal(current(), b)
})
