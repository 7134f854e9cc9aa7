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
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

test('compose has the four services, the ports, the env the gateway reads, and every mounted path exists', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { ports?: string[]; environment?: Record<string, string>; volumes?: string[]; build?: string }> }
  assert.deepEqual(Object.keys(compose.services).sort(), ['grafana', 'prometheus', 'redis', 'thriftline'])
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
  assert.match(dockerfile, /FROM node:22[^\n]* AS build/)
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
