// Every relative link a reader can follow resolves: in README.md, docs/ and every other Markdown
// file of the repository (file and, when given, heading anchor), and every `docs/….md` a source,
// config or Docker file mentions in a comment.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { docsMentions, headingAnchors, headingSlug, relativeLinks } from '../../helpers/markdown-links.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const SKIP_DIRS = new Set(['node_modules', '.git', '.tmp', 'dist', 'coverage'])

function walk (dir: string, keep: (path: string) => boolean): string[] {
  const found: string[] = []
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...walk(path, keep))
    else if (keep(path)) found.push(path)
  }
  return found
}

/** `file:line: target: reason` for each link of `files` (absolute paths) that does not resolve. */
function brokenLinks (root: string, markdownFiles: readonly string[], sourceFiles: readonly string[]): string[] {
  const problems: string[] = []
  const anchorsOf = new Map<string, Set<string>>()
  const anchors = (file: string): Set<string> => {
    let set = anchorsOf.get(file)
    if (set === undefined) anchorsOf.set(file, set = headingAnchors(readFileSync(file, 'utf8')))
    return set
  }
  const check = (from: string, base: string, target: string, line: number): void => {
    const [pathPart = '', anchor] = target.split('#', 2)
    const file = pathPart === '' ? from : resolve(base, decodeURIComponent(pathPart))
    const where = `${relative(root, from)}:${line}: ${target}`
    if (!existsSync(file)) { problems.push(`${where}: no such file`); return }
    if (anchor === undefined || anchor === '') return
    if (!file.endsWith('.md')) { problems.push(`${where}: anchor into a file that is not Markdown`); return }
    if (!anchors(file).has(anchor)) problems.push(`${where}: no heading with anchor #${anchor} in ${relative(root, file)}`)
  }
  for (const file of markdownFiles) {
    for (const link of relativeLinks(readFileSync(file, 'utf8'))) check(file, dirname(file), link.target, link.line)
  }
  for (const file of sourceFiles) {
    for (const mention of docsMentions(readFileSync(file, 'utf8'))) check(file, root, mention.target, mention.line)
  }
  return problems
}

test('headingSlug: GitHub anchors', () => {
  const cases: Array<[string, string]> = [
    ['How a request is decided', 'how-a-request-is-decided'],
    ['`match` conditions', 'match-conditions'],
    ['Headers Thriftline adds to Messages responses', 'headers-thriftline-adds-to-messages-responses'],
    ['Side by side (`npm run bench`)', 'side-by-side-npm-run-bench'],
    ['Upgrading from 0.x: what changed?', 'upgrading-from-0x-what-changed'],
    ['A [link](x.md) in a heading', 'a-link-in-a-heading']
  ]
  for (const [heading, slug] of cases) assert.equal(headingSlug(heading), slug, heading)
})

test('headingAnchors: repeated headings are numbered, headings in code blocks are not headings', () => {
  const anchors = headingAnchors('# Top\n## Notes\n## Notes\n```sh\n# not a heading\n```\n')
  assert.deepEqual([...anchors].sort(), ['notes', 'notes-1', 'top'])
})

test('relativeLinks: repository links only, not URLs, not code', () => {
  const markdown = [
    'See [policy](docs/policy.md#action), [up](../README.md) and [here](#caching).',
    'Not [the web](https://example.com) nor [mail](mailto:a@b.c); `[code](not/a/link.md)`.',
    '```md',
    '[inside a fence](fence.md)',
    '```',
    '[ref]: docs/cache.md'
  ].join('\n')
  assert.deepEqual(relativeLinks(markdown), [
    { target: 'docs/policy.md#action', line: 1 },
    { target: '../README.md', line: 1 },
    { target: '#caching', line: 1 },
    { target: 'docs/cache.md', line: 6 }
  ])
})

test('docsMentions: docs/….md in comments, with an anchor when given', () => {
  assert.deepEqual(docsMentions('// see docs/policy.md "Token estimate"\n# docs/operations.md#alerts says what to do'), [
    { target: 'docs/policy.md', line: 1 },
    { target: 'docs/operations.md#alerts', line: 2 }
  ])
})

test('the checker reports a missing file, a missing anchor, and passes good links', () => {
  const root = mkdtempSync(join(tmpdir(), 'docs-links-'))
  mkdirSync(join(root, 'docs'))
  mkdirSync(join(root, 'src'))
  writeFileSync(join(root, 'docs', 'a.md'), '# A\n## Present\n')
  writeFileSync(join(root, 'README.md'), '[ok](docs/a.md#present) [gone](docs/b.md) [bad anchor](docs/a.md#absent) [self](#readme-top)\n')
  writeFileSync(join(root, 'src', 'x.ts'), '// see docs/a.md and docs/c.md\n')
  const problems = brokenLinks(root, [join(root, 'README.md')], [join(root, 'src', 'x.ts')])
  assert.deepEqual(problems, [
    'README.md:1: docs/b.md: no such file',
    'README.md:1: docs/a.md#absent: no heading with anchor #absent in docs/a.md',
    'README.md:1: #readme-top: no heading with anchor #readme-top in README.md',
    'src/x.ts:1: docs/c.md: no such file'
  ])
})

test('every relative link in the repository\'s Markdown and every docs/ mention in its sources resolves', () => {
  const markdown = walk(ROOT, (path) => path.endsWith('.md'))
  assert.ok(markdown.includes(join(ROOT, 'README.md')))
  assert.ok(markdown.some((path) => path.startsWith(join(ROOT, 'docs') + '/')), 'docs/ has Markdown files')
  const sources = ['src', 'config', 'docker', 'bench', 'scripts', 'bin', '.ci']
    .filter((dir) => existsSync(join(ROOT, dir)))
    .flatMap((dir) => walk(join(ROOT, dir), (path) => !path.endsWith('.md') && !path.endsWith('.json')))
    .concat(['Dockerfile', 'docker-compose.yml', 'package.json'].map((file) => join(ROOT, file)).filter(existsSync))
  assert.deepEqual(brokenLinks(ROOT, markdown, sources), [])
})
