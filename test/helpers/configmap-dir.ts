// A directory laid out and updated the way the kubelet updates a ConfigMap volume (its
// AtomicWriter): the files live in a timestamped `..<time>` directory, `..data` links to it, and
// each visible name is a link to `..data/<name>`. An update writes a new timestamped directory,
// points `..data_tmp` at it, renames `..data_tmp` over `..data` (the one atomic step) and removes
// the old directory. The visible links themselves never change.

import { mkdtemp, readlink, rename, rm, symlink, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ConfigMapDir {
  dir: string
  /** The path a pod reads (`<dir>/<name>`). */
  pathOf: (name: string) => string
  /** Publishes new contents exactly as the kubelet does. */
  update: (files: Record<string, string>) => Promise<void>
  remove: () => Promise<void>
}

let generation = 0

async function writeGeneration (dir: string, files: Record<string, string>): Promise<string> {
  const name = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}.${process.pid}${++generation}`
  await mkdir(join(dir, name))
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, name, file), text)
  return name
}

export async function createConfigMapDir (files: Record<string, string>): Promise<ConfigMapDir> {
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-configmap-'))
  const first = await writeGeneration(dir, files)
  await symlink(first, join(dir, '..data'))
  for (const file of Object.keys(files)) await symlink(join('..data', file), join(dir, file))
  return {
    dir,
    pathOf: (name) => join(dir, name),
    update: async (next) => {
      const old = await readlink(join(dir, '..data'))
      const fresh = await writeGeneration(dir, next)
      await symlink(fresh, join(dir, '..data_tmp'))
      await rename(join(dir, '..data_tmp'), join(dir, '..data'))
      await rm(join(dir, old), { recursive: true, force: true })
    },
    remove: () => rm(dir, { recursive: true, force: true })
  }
}
