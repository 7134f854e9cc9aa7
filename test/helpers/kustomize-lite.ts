// Renders a kustomization the way `kubectl kustomize` does, for the subset of kustomize that
// docker/k8s uses, so CI can validate the rendered objects on a machine without kubectl (Debian's
// kubectl is years old, kustomize itself is not packaged). Any other kustomization field throws:
// using a new one means teaching it here, and the manifests test cross-checks this renderer
// against the real `kubectl kustomize` wherever kubectl is installed.

import { readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseAllDocuments, parse as parseYaml } from 'yaml'

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  [field: string]: unknown
}

interface GeneratorSpec {
  name: string
  behavior?: 'create' | 'replace' | 'merge'
  files?: string[]
  envs?: string[]
  literals?: string[]
  options?: { labels?: Record<string, string>; annotations?: Record<string, string> }
}

interface PatchOp { op: 'add' | 'replace'; path: string; value: unknown }

interface Kustomization {
  apiVersion?: string
  kind?: string
  namespace?: string
  resources?: string[]
  images?: Array<{ name: string; newName?: string; newTag?: string }>
  generatorOptions?: { disableNameSuffixHash?: boolean }
  configMapGenerator?: GeneratorSpec[]
  secretGenerator?: GeneratorSpec[]
  patches?: Array<{ target: { kind: string; name: string }; patch: string }>
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'generatorOptions', 'configMapGenerator', 'secretGenerator', 'patches'])
const CLUSTER_SCOPED = new Set(['Namespace'])

export const objectId = (object: K8sObject): string => `${object.kind}/${object.metadata.name}`

function readEnvFile (path: string): Array<[string, string]> {
  return readFileSync(path, 'utf8').split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=')
      if (at <= 0) throw new Error(`${path}: "${line}" is not KEY=value`)
      return [line.slice(0, at), line.slice(at + 1)]
    })
}

function generate (dir: string, kind: 'ConfigMap' | 'Secret', spec: GeneratorSpec): K8sObject {
  const entries: Array<[string, string]> = []
  for (const file of spec.files ?? []) entries.push([basename(file), readFileSync(join(dir, file), 'utf8')])
  for (const env of spec.envs ?? []) entries.push(...readEnvFile(join(dir, env)))
  for (const literal of spec.literals ?? []) {
    const at = literal.indexOf('=')
    entries.push([literal.slice(0, at), literal.slice(at + 1)])
  }
  const data = Object.fromEntries(kind === 'Secret'
    ? entries.map(([key, value]) => [key, Buffer.from(value).toString('base64')])
    : entries)
  const metadata: K8sObject['metadata'] = { name: spec.name }
  if (spec.options?.labels !== undefined) metadata.labels = { ...spec.options.labels }
  if (spec.options?.annotations !== undefined) metadata.annotations = { ...spec.options.annotations }
  const object: K8sObject = { apiVersion: 'v1', kind, metadata, data }
  if (kind === 'Secret') object.type = 'Opaque'
  return object
}

function applyPatch (object: K8sObject, op: PatchOp): void {
  if (op.op !== 'add' && op.op !== 'replace') throw new Error(`patch op ${String(op.op)} is not supported by kustomize-lite`)
  const parts = op.path.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
  const last = parts.pop()
  if (last === undefined) throw new Error(`bad patch path ${op.path}`)
  let node = object as Record<string, unknown>
  for (const part of parts) {
    const child = node[part]
    if (typeof child !== 'object' || child === null) throw new Error(`patch path ${op.path}: ${part} does not exist`)
    node = child as Record<string, unknown>
  }
  if (op.op === 'replace' && !(last in node)) throw new Error(`patch path ${op.path}: nothing to replace`)
  node[last] = op.value
}

function setImages (value: unknown, images: NonNullable<Kustomization['images']>): void {
  if (Array.isArray(value)) { for (const item of value) setImages(item, images); return }
  if (typeof value !== 'object' || value === null) return
  const record = value as Record<string, unknown>
  for (const [key, child] of Object.entries(record)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
      for (const container of child as Array<{ image?: string }>) {
        if (container.image === undefined) continue
        const [name, tag] = container.image.split(':')
        const rule = images.find((image) => image.name === name)
        if (rule !== undefined) container.image = `${rule.newName ?? name}:${rule.newTag ?? tag}`
      }
    } else {
      setImages(child, images)
    }
  }
}

/** The objects `kubectl kustomize <dir>` would print (order aside). */
export function renderKustomization (dir: string): K8sObject[] {
  const kustomization = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED.has(field)) throw new Error(`${dir}/kustomization.yaml: field "${field}" is not supported by test/helpers/kustomize-lite.ts; teach it there`)
  }
  if (kustomization.generatorOptions?.disableNameSuffixHash !== true && (kustomization.configMapGenerator ?? kustomization.secretGenerator) !== undefined) {
    throw new Error(`${dir}/kustomization.yaml: kustomize-lite renders only generators with disableNameSuffixHash: true`)
  }
  const objects: K8sObject[] = []
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource)
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path))
    else objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => doc.toJS() as K8sObject).filter((object) => object !== null))
  }
  const generators = [
    ...(kustomization.configMapGenerator ?? []).map((spec) => ({ kind: 'ConfigMap' as const, spec })),
    ...(kustomization.secretGenerator ?? []).map((spec) => ({ kind: 'Secret' as const, spec }))
  ]
  for (const { kind, spec } of generators) {
    const generated = generate(dir, kind, spec)
    const at = objects.findIndex((object) => object.kind === kind && object.metadata.name === spec.name)
    const behavior = spec.behavior ?? 'create'
    if (behavior === 'create') {
      if (at !== -1) throw new Error(`${kind} ${spec.name} exists already (use behavior: replace or merge)`)
      objects.push(generated)
    } else {
      if (at === -1) throw new Error(`${kind} ${spec.name}: nothing to ${behavior}`)
      const previous = objects[at]!
      if (behavior === 'merge') {
        generated.data = { ...(previous.data as object), ...(generated.data as object) }
      }
      generated.metadata = { ...previous.metadata, ...generated.metadata, labels: { ...previous.metadata.labels, ...generated.metadata.labels }, annotations: { ...previous.metadata.annotations, ...generated.metadata.annotations } }
      if (Object.keys(generated.metadata.labels ?? {}).length === 0) delete generated.metadata.labels
      if (Object.keys(generated.metadata.annotations ?? {}).length === 0) delete generated.metadata.annotations
      objects[at] = generated
    }
  }
  for (const { target, patch } of kustomization.patches ?? []) {
    const matched = objects.filter((object) => object.kind === target.kind && object.metadata.name === target.name)
    if (matched.length === 0) throw new Error(`patch target ${target.kind}/${target.name} not found`)
    for (const object of matched) for (const op of parseYaml(patch) as PatchOp[]) applyPatch(object, op)
  }
  if (kustomization.images !== undefined) for (const object of objects) setImages(object, kustomization.images)
  if (kustomization.namespace !== undefined) {
    for (const object of objects) {
      if (CLUSTER_SCOPED.has(object.kind)) {
        if (object.kind === 'Namespace') object.metadata.name = kustomization.namespace
      } else {
        object.metadata.namespace = kustomization.namespace
      }
    }
  }
  return objects
}
