// Issue 5: the Compose stack, the Dockerfile, the dashboard and the alert rules, checked without a
// Docker engine or Grafana: structure, every referenced path and metric, and promtool.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { createMetrics } from '../../src/metrics/registry.js'
import { HAS_PROMTOOL } from '../helpers/prometheus.js'
import { ALERT_EXPRS, DASHBOARD_EXPRS, concrete, dashboard } from '../helpers/promql.js'
import { statusClass } from '../../src/metrics/labels.js'
import { CLIENT_CLOSED_STATUS } from '../../src/server/outcome.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const HAS_AMTOOL = spawnSync('amtool', ['--version']).status === 0
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

test('compose has the five services, the ports, the env the gateway reads, and every mounted path exists', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { ports?: string[]; environment?: Record<string, string>; volumes?: string[]; build?: string }> }
  assert.deepEqual(Object.keys(compose.services).sort(), ['alertmanager', 'grafana', 'prometheus', 'redis', 'thriftline'])
  const gateway = compose.services.thriftline
  assert.ok(gateway?.ports?.includes('8080:8080'))
  assert.ok(compose.services.grafana?.ports?.includes('3000:3000'))
  for (const variable of ['PORT', 'HOST', 'ANTHROPIC_UPSTREAM_URL', 'GATEWAY_CONFIG', 'REDIS_URL', 'LOG_LEVEL']) assert.ok(gateway?.environment?.[variable] !== undefined, variable)
  const env = read('src/config/env.ts')
  for (const variable of Object.keys(gateway?.environment ?? {})) assert.ok(env.includes(`'${variable}'`) || env.includes(`.${variable}`), `${variable} is read by the gateway`)
  for (const service of Object.values(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const host = volume.split(':')[0] ?? ''
      if (host.startsWith('./')) assert.ok(existsSync(join(ROOT, host)), `${host} exists`)
    }
  }
  assert.ok(existsSync(join(ROOT, 'docker/prometheus/alerts.yml')))
  assert.match(read('docker/grafana/provisioning/dashboards/thriftline.yml'), /path: \/var\/lib\/grafana\/dashboards\/thriftline/)
})

test('the Dockerfile is multi-stage, production-only, non-root, health-checked, with exec-form CMD', () => {
  const dockerfile = read('Dockerfile')
  assert.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2)
  // Node 24 is the current LTS; both stages on it (the image must not build on one Node and run on another).
  assert.match(dockerfile, /^FROM node:24[^\n]* AS build$/m)
  assert.match(dockerfile, /^FROM node:24[^\n]* AS runtime$/m)
  assert.match(dockerfile, /npm ci --omit=dev/)
  assert.match(dockerfile, /^USER node$/m)
  assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/healthz/m)
  assert.match(dockerfile, /^CMD \["node", "dist\/main\.js"\]$/m)
  assert.ok(existsSync(join(ROOT, 'tsconfig.build.json')))
})

test('every panel uses the datasource variable, has a unit, a description and PromQL targets', () => {
  assert.equal(dashboard.uid, 'thriftline')
  const variables = dashboard.templating.list.map((v) => `${v.name}:${v.type}`)
  for (const expected of ['datasource:datasource', 'model:query', 'tenant:query']) assert.ok(variables.includes(expected), expected)
  const panels = dashboard.panels.filter((panel) => panel.type !== 'row')
  assert.ok(panels.length >= 15)
  for (const panel of panels) {
    assert.equal(panel.datasource?.uid, '${datasource}', panel.title)
    assert.ok(panel.fieldConfig?.defaults.unit, `${panel.title} has a unit`)
    assert.ok(panel.description, `${panel.title} has a description`)
    assert.ok((panel.targets ?? []).length > 0, `${panel.title} has targets`)
    for (const target of panel.targets ?? []) {
      assert.equal(target.datasource?.uid, '${datasource}')
      if (/\b(rate|increase)\(/.test(target.expr)) assert.match(target.expr, /\$__rate_interval|\$__range|\[1h\]/, `${panel.title}: ${target.expr}`)
    }
  }
})

test('every metric the dashboard and the alerts use is one the gateway exports', async () => {
  const metrics = createMetrics({ defaultMetrics: false, version: 'test' })
  const families = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name))
  for (const { expr } of [...DASHBOARD_EXPRS, ...ALERT_EXPRS]) {
    for (const name of expr.match(/llm_gateway_[a-z0-9_]+/g) ?? []) {
      const family = name.replace(/_(bucket|sum|count)$/, '')
      assert.ok(families.has(family), `${family} (in ${expr})`)
    }
  }
})

test('promtool accepts the Prometheus config, the alert rules and every dashboard expression', { skip: HAS_PROMTOOL ? false : 'promtool is not installed (apt-get install prometheus)' }, async () => {
  const config = spawnSync('promtool', ['check', 'config', join(ROOT, 'docker/prometheus/prometheus.yml')], { encoding: 'utf8' })
  assert.equal(config.status, 0, config.stdout + config.stderr)
  const rules = spawnSync('promtool', ['check', 'rules', join(ROOT, 'docker/prometheus/alerts.yml')], { encoding: 'utf8' })
  assert.equal(rules.status, 0, rules.stdout + rules.stderr)
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-rules-'))
  try {
    const file = join(dir, 'dashboard.yml')
    const recording = DASHBOARD_EXPRS.map(({ expr }, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(concrete(expr))}`)
    await writeFile(file, `groups:\n  - name: dashboard\n    rules:\n${recording.join('\n')}\n`)
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })
    assert.equal(result.status, 0, result.stdout + result.stderr)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('failure ratios and the 5xx alert count only 5xx; cancellations (499) are 4xx; latency panels leave out routed_model="none"', () => {
  assert.equal(statusClass(CLIENT_CLOSED_STATUS), '4xx', 'a client cancellation is not a 5xx')
  for (const { panel, expr } of DASHBOARD_EXPRS) {
    assert.doesNotMatch(expr, /status_class=~"4xx\|5xx"|status_class=~"5xx\|4xx"/, `${panel}: 4xx and 5xx are charted apart`)
    if (/histogram_quantile\(.*by \(le, routed_model\)/.test(expr)) assert.match(expr, /routed_model!="none"/, `${panel}: no NaN series for requests that reached no model`)
  }
  const failurePanel = dashboard.panels.find((panel) => panel.id === 3)
  assert.match(failurePanel?.targets?.[0]?.expr ?? '', /^sum by \(routed_model\) \(rate\(llm_gateway_requests_total\{status_class="5xx"/)
  const alert = ALERT_EXPRS.find((rule) => rule.alert === 'ThriftlineHighErrorRatio')
  assert.match(alert?.expr ?? '', /status_class="5xx"/)
  assert.ok(dashboard.panels.some((panel) => panel.id === 325 && /status_class="4xx"/.test(panel.targets?.[0]?.expr ?? '')), 'the 4xx ratio has its own panel')
})

test('the image runs compiled JS without tsx and has the CLI on the PATH, running the compiled CLI', () => {
  const dockerfile = read('Dockerfile')
  const runtime = dockerfile.slice(dockerfile.search(/^FROM [^\n]* AS runtime$/m))
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; bin: Record<string, string> }
  // `npm ci --omit=dev` leaves tsx out: nothing in the runtime stage may need it.
  assert.equal(pkg.dependencies.tsx, undefined)
  assert.doesNotMatch(runtime, /tsx|COPY src\b/)
  assert.match(runtime, /^COPY --from=build \/app\/dist \.\/dist$/m)
  assert.match(runtime, /^COPY bin \.\/bin$/m)
  assert.equal(pkg.bin.thriftline, 'bin/thriftline.js')
  assert.match(runtime, /^RUN ln -s \/app\/bin\/thriftline\.js \/usr\/local\/bin\/thriftline$/m)
  const bin = read('bin/thriftline.js')
  assert.match(bin, /^#!\/usr\/bin\/env node\n/)
  assert.match(bin, /dist\/cli\/main\.js/)
  assert.ok(existsSync(join(ROOT, 'src/cli/main.ts')), 'dist/cli/main.js is compiled from src/cli/main.ts')
})

/**
 * Compose's variable interpolation for one value: `${VAR}`, `${VAR:-default}` (unset or empty),
 * `${VAR:?message}` (an error when unset or empty). Enough to read what the stack does by default.
 */
function interpolate (value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?:(:-|:\?)([^}]*))?\}/g, (_whole, name: string, operator: string | undefined, operand: string | undefined) => {
    const set = env[name]
    if (set !== undefined && set !== '') return set
    if (operator === ':?') throw new Error(`${name}: ${operand ?? ''}`)
    return operator === ':-' ? operand ?? '' : ''
  })
}

interface ComposeService { image?: string; command?: string[]; ports?: string[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: string[] }
const composeServices = (): Record<string, ComposeService> => (parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> }).services

test('Alertmanager is in the stack, Prometheus sends it the shipped rules\' alerts, and its config is mounted', () => {
  const services = composeServices()
  const alertmanager = services.alertmanager
  assert.match(alertmanager?.image ?? '', /^prom\/alertmanager:v\d+\.\d+\.\d+$/)
  assert.ok(alertmanager?.ports?.includes('9093:9093'))
  assert.ok(alertmanager?.volumes?.includes('./docker/alertmanager:/etc/alertmanager:ro'))
  assert.ok(alertmanager?.command?.includes('--config.file=/etc/alertmanager/alertmanager.yml'))
  assert.ok(existsSync(join(ROOT, 'docker/alertmanager/alertmanager.yml')))
  assert.ok(services.prometheus?.depends_on?.includes('alertmanager'))

  const prometheus = parse(read('docker/prometheus/prometheus.yml')) as { alerting?: { alertmanagers?: Array<{ static_configs?: Array<{ targets?: string[] }> }> }; rule_files?: string[] }
  const targets = (prometheus.alerting?.alertmanagers ?? []).flatMap((am) => (am.static_configs ?? []).flatMap((sc) => sc.targets ?? []))
  assert.deepEqual(targets, ['alertmanager:9093'])
  assert.deepEqual(prometheus.rule_files, ['alerts.yml'])
})

/** The webhook example in alertmanager.yml's comments, uncommented. */
function webhookExample (): string {
  const lines = read('docker/alertmanager/alertmanager.yml').split('\n')
  const start = lines.findIndex((line) => line.startsWith('#   route:'))
  assert.ok(start >= 0, 'the commented example starts with "#   route:"')
  const block: string[] = []
  for (const line of lines.slice(start)) {
    if (!line.startsWith('#   ')) break
    block.push(line.slice(4))
  }
  return block.join('\n') + '\n'
}

test('alertmanager.yml: every alert to a null receiver, plus a commented webhook example that is valid when uncommented', () => {
  const config = parse(read('docker/alertmanager/alertmanager.yml')) as { route?: { receiver?: string; routes?: unknown }; receivers?: Array<Record<string, unknown>> }
  assert.equal(config.route?.receiver, 'null')
  assert.equal(config.route?.routes, undefined)
  assert.deepEqual(config.receivers, [{ name: 'null' }])

  const example = parse(webhookExample()) as { route?: { receiver?: string; routes?: Array<{ receiver?: string }> }; receivers?: Array<{ name?: string; webhook_configs?: Array<{ url?: string }> }> }
  assert.equal(example.route?.receiver, 'null')
  const webhook = example.receivers?.find((receiver) => receiver.webhook_configs !== undefined)
  assert.match(webhook?.webhook_configs?.[0]?.url ?? '', /^https:\/\//)
  assert.ok(example.route?.routes?.some((route) => route.receiver === webhook?.name))
})

test('amtool accepts alertmanager.yml and its webhook example', { skip: HAS_AMTOOL ? false : 'amtool is not installed (apt-get install prometheus-alertmanager)' }, async () => {
  const shipped = spawnSync('amtool', ['check-config', join(ROOT, 'docker/alertmanager/alertmanager.yml')], { encoding: 'utf8' })
  assert.equal(shipped.status, 0, shipped.stdout + shipped.stderr)
  const dir = await mkdtemp(join(tmpdir(), 'thriftline-am-'))
  try {
    const file = join(dir, 'example.yml')
    await writeFile(file, webhookExample())
    const example = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' })
    assert.equal(example.status, 0, example.stdout + example.stderr)
    assert.match(example.stdout, /2 receivers/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('Grafana: the admin password comes from the environment with no default, anonymous access is off by default', () => {
  const env = composeServices().grafana?.environment ?? {}
  const password = env.GF_SECURITY_ADMIN_PASSWORD ?? ''
  assert.throws(() => interpolate(password, {}), /GRAFANA_ADMIN_PASSWORD/, 'compose refuses to start without a password')
  assert.throws(() => interpolate(password, { GRAFANA_ADMIN_PASSWORD: '' }), /GRAFANA_ADMIN_PASSWORD/)
  assert.equal(interpolate(password, { GRAFANA_ADMIN_PASSWORD: 'correct horse' }), 'correct horse')
  assert.equal(interpolate(env.GF_AUTH_ANONYMOUS_ENABLED ?? '', {}), 'false')
  assert.equal(interpolate(env.GF_AUTH_ANONYMOUS_ENABLED ?? '', { GRAFANA_ANONYMOUS_ENABLED: 'true' }), 'true')
  assert.notEqual(env.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Admin')
  // No other admin/admin path: Grafana's own default is admin, so the variable must always be set.
  assert.equal(env.GF_SECURITY_ADMIN_USER ?? 'admin', 'admin')
  assert.doesNotMatch(read('docker-compose.yml'), /GRAFANA_ADMIN_PASSWORD:-/)
})

test('interpolate: what compose does with ${VAR}, ${VAR:-default} and ${VAR:?message}', () => {
  assert.equal(interpolate('${A}', { A: 'x' }), 'x')
  assert.equal(interpolate('${A}', {}), '')
  assert.equal(interpolate('${A:-d}', {}), 'd')
  assert.equal(interpolate('${A:-d}', { A: '' }), 'd')
  assert.equal(interpolate('${A:-d}', { A: 'x' }), 'x')
  assert.throws(() => interpolate('${A:?need A}', {}), /A: need A/)
  assert.equal(interpolate('pre-${A:?need A}-post', { A: 'x' }), 'pre-x-post')
})
