// docker/k8s: every rendered object (base and the example overlay) validates against the
// Kubernetes OpenAPI schemas (kubernetes-models) and the prometheus-operator CRD schemas
// (@kubernetes-models/prometheus-operator); the objects agree with each other and with the
// gateway (probes, ports, drain timing, the policy mount the reloader can follow); and the copies
// of the policy, dashboard and alert rules match their sources.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { objectId, renderKustomization } from '../helpers/kustomize-lite.js'
import type { K8sObject } from '../helpers/kustomize-lite.js'
import { expectedK8sCopies } from '../../scripts/k8s-sync.js'
import { loadConfig } from '../../src/config/load.js'
import { readEnv } from '../../src/config/env.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BASE = join(ROOT, 'docker/k8s/base')
const OVERLAY = join(ROOT, 'docker/k8s/overlays/example')

/** Where each API group's schemas come from. */
const MODEL_PACKAGES: Record<string, string> = {
  '': 'kubernetes-models',
  apps: 'kubernetes-models/apps',
  autoscaling: 'kubernetes-models/autoscaling',
  policy: 'kubernetes-models/policy',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com'
}

type ModelClass = new (data: unknown) => { validate: () => void }

async function validate (object: K8sObject): Promise<void> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion]
  const prefix = MODEL_PACKAGES[group!]
  assert.ok(prefix !== undefined, `${objectId(object)}: no schemas known for API group "${group}"`)
  const module = await import(`${prefix}/${version}/${object.kind}`) as Record<string, ModelClass>
  const Model = module[object.kind]
  assert.ok(Model !== undefined, `${objectId(object)}: no model for ${object.apiVersion} ${object.kind}`)
  try {
    new Model(object).validate()
  } catch (err) {
    assert.fail(`${objectId(object)} does not validate against ${object.apiVersion} ${object.kind}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

const find = (objects: K8sObject[], kind: string, name = 'thriftline'): K8sObject => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name)
  assert.ok(found !== undefined, `no ${kind}/${name}`)
  return found
}

interface Container {
  name: string
  ports: Array<{ name: string; containerPort: number }>
  env: Array<{ name: string; value?: string }>
  envFrom?: Array<{ secretRef?: { name: string } }>
  resources: { requests?: Record<string, string>; limits?: Record<string, string> }
  securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean }
  livenessProbe: { httpGet: { path: string; port: string } }
  readinessProbe: { httpGet: { path: string; port: string } }
  startupProbe?: { httpGet: { path: string; port: string } }
  lifecycle: { preStop: { exec: { command: string[] } } }
  volumeMounts: Array<{ name: string; mountPath: string; subPath?: string }>
}
interface PodSpec {
  terminationGracePeriodSeconds: number
  securityContext: { runAsNonRoot?: boolean; runAsUser?: number }
  containers: Container[]
  volumes: Array<{ name: string; configMap?: { name: string } }>
}
function podOf (deployment: K8sObject): { labels: Record<string, string>; spec: PodSpec } {
  const template = (deployment.spec as { template: { metadata: { labels?: Record<string, string> }; spec: PodSpec } }).template
  assert.ok(template.metadata.labels !== undefined, 'pod template has no labels')
  return { labels: template.metadata.labels, spec: template.spec }
}

const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value)

for (const [name, dir] of [['base', BASE], ['example overlay', OVERLAY]] as const) {
  test(`${name}: every rendered object validates against its Kubernetes / prometheus-operator schema`, async () => {
    const objects = renderKustomization(dir)
    assert.ok(objects.length >= 8)
    for (const object of objects) await validate(object)
  })
}

test('the validator rejects a broken manifest (so a pass means something)', async () => {
  const deployment = structuredClone(find(renderKustomization(BASE), 'Deployment'))
  podOf(deployment).spec.containers[0]!.ports[0]!.containerPort = 'http' as unknown as number
  await assert.rejects(validate(deployment), /containerPort must be integer/)
  const monitor = structuredClone(find(renderKustomization(BASE), 'ServiceMonitor'))
  ;(monitor.spec as { endpoints: Array<{ interval: unknown }> }).endpoints[0]!.interval = 30
  await assert.rejects(validate(monitor), /does not validate/)
})

test('the renderer agrees with `kubectl kustomize` (where kubectl is installed)', (t) => {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
  if (probe.error !== undefined || probe.status !== 0) { t.skip('kubectl is not installed here; the schema checks above still ran'); return }
  for (const dir of [BASE, OVERLAY]) {
    const rendered = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 << 20 })
    assert.equal(rendered.status, 0, rendered.stderr)
    const theirs = parseAllDocuments(rendered.stdout).map((doc) => doc.toJS() as K8sObject)
    const ours = renderKustomization(dir)
    assert.deepEqual(ours.map(objectId).sort(), theirs.map(objectId).sort())
    for (const object of theirs) assert.deepEqual(ours.find((candidate) => objectId(candidate) === objectId(object)), object, `${objectId(object)} differs`)
  }
})

test('the Deployment fits the gateway: probes, ports, drain timing, non-root, read-only, the policy mount', () => {
  const objects = renderKustomization(OVERLAY)
  const { spec } = podOf(find(objects, 'Deployment'))
  const container = spec.containers[0]!
  const env = Object.fromEntries(container.env.map((variable) => [variable.name, variable.value ?? '']))
  const read = readEnv(env)
  assert.ok('config' in read, 'the Deployment\'s environment is one the gateway accepts')
  const port = (portName: string): number => container.ports.find((candidate) => candidate.name === portName)?.containerPort ?? -1
  assert.equal(port('http'), read.config.port)
  assert.equal(port('metrics'), read.config.metricsPort)
  assert.equal(container.livenessProbe.httpGet.path, '/healthz')
  assert.equal(container.readinessProbe.httpGet.path, '/readyz')
  assert.equal(container.startupProbe?.httpGet.path, '/healthz')
  for (const probe of [container.livenessProbe, container.readinessProbe]) assert.equal(probe.httpGet.port, 'http')

  const [command, seconds] = container.lifecycle.preStop.exec.command
  assert.equal(command, 'sleep')
  const preStopMs = Number(seconds) * 1000
  assert.ok(spec.terminationGracePeriodSeconds * 1000 >= preStopMs + read.config.shutdownTimeoutMs + 5000,
    `terminationGracePeriodSeconds (${spec.terminationGracePeriodSeconds}) must cover the preStop sleep, SHUTDOWN_TIMEOUT_MS and a margin`)

  assert.equal(spec.securityContext.runAsNonRoot, true)
  assert.ok((spec.securityContext.runAsUser ?? 0) > 0)
  assert.equal(container.securityContext.readOnlyRootFilesystem, true)
  assert.equal(container.securityContext.allowPrivilegeEscalation, false)
  assert.ok(container.resources.requests?.cpu !== undefined && container.resources.requests.memory !== undefined)
  assert.ok(container.resources.limits?.memory !== undefined)
  assert.ok(container.envFrom?.some((source) => source.secretRef?.name === 'thriftline-secrets'))

  // The policy: a whole-directory ConfigMap mount (a subPath mount never sees updates) at the
  // directory GATEWAY_CONFIG names, from the ConfigMap that holds that file.
  const mount = container.volumeMounts.find((candidate) => candidate.mountPath === dirname(read.config.configPath))
  assert.ok(mount !== undefined, `nothing mounted at ${dirname(read.config.configPath)}`)
  assert.equal(mount.subPath, undefined)
  const volume = spec.volumes.find((candidate) => candidate.name === mount.name)
  const policyMap = find(objects, 'ConfigMap', volume?.configMap?.name ?? '(none)')
  const fileName = read.config.configPath.slice(dirname(read.config.configPath).length + 1)
  assert.ok(typeof (policyMap.data as Record<string, string>)[fileName] === 'string', `the policy ConfigMap has no ${fileName}`)
  // Every directory a read-only root filesystem leaves writable is an explicit volume.
  assert.ok(container.volumeMounts.some((candidate) => candidate.mountPath === '/tmp'))
})

test('Service, HPA, PDB and ServiceMonitor point at the Deployment\'s pods and ports', () => {
  const objects = renderKustomization(OVERLAY)
  const deployment = find(objects, 'Deployment')
  const { labels } = podOf(deployment)
  const service = find(objects, 'Service').spec as { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string }> }
  assert.ok(selects(service.selector, labels))
  for (const servicePort of service.ports) assert.ok(podOf(deployment).spec.containers[0]!.ports.some((p) => p.name === servicePort.targetPort))
  const hpa = find(objects, 'HorizontalPodAutoscaler').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number }
  assert.deepEqual([hpa.scaleTargetRef.kind, hpa.scaleTargetRef.name], ['Deployment', 'thriftline'])
  assert.ok(hpa.minReplicas >= 2 && hpa.maxReplicas > hpa.minReplicas)
  assert.equal((deployment.spec as { replicas?: number }).replicas, undefined, 'the HPA owns the replica count')
  const pdb = find(objects, 'PodDisruptionBudget').spec as { selector: { matchLabels: Record<string, string> } }
  assert.ok(selects(pdb.selector.matchLabels, labels))
  const monitor = find(objects, 'ServiceMonitor').spec as { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> }
  assert.ok(selects(monitor.selector.matchLabels, find(objects, 'Service').metadata.labels ?? {}))
  assert.ok(service.ports.some((servicePort) => servicePort.name === monitor.endpoints[0]!.port))
  assert.equal(monitor.endpoints[0]!.path, '/metrics')
})

test('the copies in docker/k8s/base match their sources (run `npm run k8s:sync` after editing those)', () => {
  for (const [path, expected] of Object.entries(expectedK8sCopies(ROOT))) {
    assert.equal(readFileSync(join(ROOT, path), 'utf8'), expected, `${path} is out of date: run npm run k8s:sync`)
  }
})

test('the rendered dashboard ConfigMap is the Grafana sidecar\'s, and the PrometheusRule carries the shipped alerts', () => {
  const objects = renderKustomization(OVERLAY)
  const dashboard = find(objects, 'ConfigMap', 'thriftline-dashboard')
  assert.equal(dashboard.metadata.labels?.grafana_dashboard, '1')
  assert.equal((dashboard.data as Record<string, string>)['thriftline.json'], readFileSync(join(ROOT, 'docker/grafana/dashboards/thriftline.json'), 'utf8'))
  const rule = find(objects, 'PrometheusRule').spec as { groups: unknown }
  const alerts = parseYaml(readFileSync(join(ROOT, 'docker/prometheus/alerts.yml'), 'utf8')) as { groups: unknown }
  assert.deepEqual(rule.groups, alerts.groups)
})

test('the policies shipped in the manifests load', async () => {
  for (const path of [join(BASE, 'gateway.yaml'), join(OVERLAY, 'gateway.yaml')]) {
    const loaded = await loadConfig(path, { nowMs: Date.now(), envOverrides: {} })
    assert.ok('config' in loaded, `${path}: ${'issues' in loaded ? loaded.issues.map((issue) => issue.message).join('; ') : ''}`)
  }
})
