// `npm ci` on the lowest Node the package admits prints no EBADENGINE warning: every package in the
// lockfile accepts the engines floor of package.json (and the Node running the tests).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import semver from 'semver'

const read = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'))
const pkg = read('package.json') as { engines: { node: string } }
const lock = read('package-lock.json') as { packages: Record<string, { engines?: unknown; version?: string }> }

function unmetEngines (nodeVersion: string): string[] {
  const unmet: string[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    const engines = entry.engines
    // Some old packages list engines as an array of strings; npm ignores those.
    if (typeof engines !== 'object' || engines === null || Array.isArray(engines)) continue
    const range = (engines as { node?: unknown }).node
    if (typeof range !== 'string') continue
    if (!semver.satisfies(nodeVersion, range)) unmet.push(`${path || 'the package'}@${entry.version ?? ''} needs node ${range}`)
  }
  return unmet
}

test('every locked dependency accepts the lowest Node that package.json admits', () => {
  const floor = semver.minVersion(pkg.engines.node)
  assert.ok(floor !== null, pkg.engines.node)
  assert.deepEqual(unmetEngines(floor.version), [])
})

test('every locked dependency accepts the Node running the tests', () => {
  assert.ok(semver.satisfies(process.version, pkg.engines.node), `${process.version} is below ${pkg.engines.node}`)
  assert.deepEqual(unmetEngines(process.version), [])
})

test('the check sees a dependency the floor does not satisfy', () => {
  // What the lockfile held before light-my-request was pinned: cookie 2 needs Node 22.
  assert.equal(semver.satisfies('20.18.1', '>=22'), false)
  assert.ok(unmetEngines('20.18.0').some((line) => line.startsWith('node_modules/undici@')), 'undici 7 needs 20.18.1')
})
