// The PromQL the dashboard and the alert rules run, read from the shipped files.

import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

export interface Panel { id: number; type: string; title: string; description?: string; datasource?: { uid: string }; fieldConfig?: { defaults: { unit?: string } }; targets?: Array<{ expr: string; datasource?: { uid: string } }> }
export const dashboard = JSON.parse(read('docker/grafana/dashboards/thriftline.json')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } }
const alerts = parse(read('docker/prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }

export const DASHBOARD_EXPRS = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })))
export const ALERT_EXPRS = alerts.groups.flatMap((group) => group.rules.map((rule) => ({ alert: rule.alert, expr: rule.expr })))

/** Grafana macros and variables → concrete values, as the panels would run. */
export function concrete (expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m').replaceAll('$__interval', '15s')
    .replaceAll('$model', '.*').replaceAll('$tenant', '.*')
}

/** An alert's expression without its threshold: what must return data even while it is not firing. */
export function measured (alertExpr: string): string {
  const at = alertExpr.lastIndexOf(' > ')
  return at === -1 ? alertExpr : alertExpr.slice(0, at)
}
