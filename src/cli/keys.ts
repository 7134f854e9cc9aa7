// `thriftline keys create|list|rotate|revoke|hash` and `thriftline tenants`: a thin client of the
// admin API (THRIFTLINE_URL, ADMIN_TOKEN), except `keys hash`, which prints the sha256 a policy file
// lists for a key, locally. Prints for people, or the API's JSON with --json.

import { parseArgs } from 'node:util'
import { sha256Hex } from '../credential-digest.js'
import type { CliIo } from './check.js'

export interface AdminClientSettings {
  url: string
  token: string | null
  readStdin: () => Promise<string>
}

interface KeyLine { id: string; tenant: string; source: string; status: string; expires_at: string | null; labels: Record<string, string> }
interface PeriodLine { period: string; spent_usd: string; limit_usd: string | null; remaining_usd: string | null }
interface TenantLine { name: string; auth: string; spend: { day: PeriodLine; month: PeriodLine }; keys: Array<KeyLine & { spend: { day: PeriodLine; month: PeriodLine } }> }

export const KEYS_USAGE = `  thriftline keys create --tenant NAME [--label k=v]... [--expires ISO-8601] [--limits JSON] [--json]
      Issue a gateway key through the admin API; the key is printed once.
  thriftline keys list [--tenant NAME] [--json]
  thriftline keys rotate ID [--grace SECONDS] [--json]
  thriftline keys revoke ID
      Admin API at $THRIFTLINE_URL (default http://127.0.0.1:8080, or --url), with $ADMIN_TOKEN.
  thriftline keys hash [KEY|-]
      Print the sha256 a policy file lists for a key (tenants[].keys[].sha256).
  thriftline tenants [--json]
      Spend and remaining budget per tenant and key (today and this month, UTC).`

async function call (settings: AdminClientSettings, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  if (settings.token === null) throw new Error('set ADMIN_TOKEN (the gateway\'s admin token)')
  const res = await fetch(settings.url.replace(/\/+$/, '') + path, {
    method,
    headers: { authorization: `Bearer ${settings.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  let json: unknown = null
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, json }
}

function failure (io: CliIo, status: number, json: unknown): number {
  const message = typeof json === 'object' && json !== null && 'error' in json ? (json as { error: { message?: string } }).error.message : JSON.stringify(json)
  io.err(`thriftline: admin API answered ${status}: ${message ?? ''}`)
  return 1
}

const keyLine = (key: KeyLine): string =>
  `${key.id}  ${key.tenant}  ${key.status}  ${key.source}${key.expires_at === null ? '' : `  expires ${key.expires_at}`}${Object.keys(key.labels).length === 0 ? '' : '  ' + Object.entries(key.labels).map(([k, v]) => `${k}=${v}`).join(',')}`

const periodText = (period: PeriodLine): string =>
  `$${period.spent_usd}${period.limit_usd === null ? '' : ` of $${period.limit_usd} (remaining $${period.remaining_usd ?? '0'})`}`

export async function runKeys (args: string[], settings: AdminClientSettings, io: CliIo): Promise<number> {
  const [sub, ...rest] = args
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      label: { type: 'string', multiple: true },
      expires: { type: 'string' },
      limits: { type: 'string' },
      grace: { type: 'string' },
      json: { type: 'boolean' }
    }
  })
  const print = (json: unknown, human: () => void): void => { if (values.json === true) io.out(JSON.stringify(json, null, 2)); else human() }
  if (sub === 'hash') {
    const given = positionals[0]
    const key = given === undefined || given === '-' ? (await settings.readStdin()).trim() : given
    if (key === '') { io.err('thriftline: keys hash: no key given'); return 2 }
    io.out(sha256Hex(key))
    return 0
  }
  if (sub === 'create') {
    if (values.tenant === undefined) { io.err('thriftline: keys create needs --tenant'); return 2 }
    const labels: Record<string, string> = {}
    for (const label of values.label ?? []) {
      const at = label.indexOf('=')
      if (at <= 0) { io.err(`thriftline: --label ${label}: expected key=value`); return 2 }
      labels[label.slice(0, at)] = label.slice(at + 1)
    }
    let limits: unknown
    if (values.limits !== undefined) {
      try { limits = JSON.parse(values.limits) } catch { io.err('thriftline: --limits must be JSON, e.g. {"requests_per_minute":60}'); return 2 }
    }
    const { status, json } = await call(settings, 'POST', '/admin/keys', { tenant: values.tenant, labels, ...(values.expires === undefined ? {} : { expires_at: values.expires }), ...(limits === undefined ? {} : { limits }) })
    if (status !== 201) return failure(io, status, json)
    const created = json as KeyLine & { key: string }
    print(json, () => {
      io.out(`${created.id} for tenant ${created.tenant}`)
      io.out(`key: ${created.key}`)
      io.err('(shown once: only its hash is stored)')
    })
    return 0
  }
  if (sub === 'list') {
    const { status, json } = await call(settings, 'GET', '/admin/keys' + (values.tenant === undefined ? '' : `?tenant=${encodeURIComponent(values.tenant)}`))
    if (status !== 200) return failure(io, status, json)
    print(json, () => { for (const key of (json as { keys: KeyLine[] }).keys) io.out(keyLine(key)) })
    return 0
  }
  if (sub === 'revoke' || sub === 'rotate') {
    const id = positionals[0]
    if (id === undefined) { io.err(`thriftline: keys ${sub} needs a key id`); return 2 }
    const grace = values.grace === undefined ? undefined : Number(values.grace)
    if (grace !== undefined && !(Number.isInteger(grace) && grace >= 0)) { io.err('thriftline: --grace must be whole seconds ≥ 0'); return 2 }
    const { status, json } = sub === 'revoke'
      ? await call(settings, 'DELETE', `/admin/keys/${encodeURIComponent(id)}`)
      : await call(settings, 'POST', `/admin/keys/${encodeURIComponent(id)}/rotate`, grace === undefined ? {} : { grace_seconds: grace })
    if (status !== 200 && status !== 201) return failure(io, status, json)
    print(json, () => {
      if (sub === 'revoke') io.out(`${id} revoked`)
      else {
        const rotated = json as KeyLine & { key: string; old_key_revoked_at: string }
        io.out(`${rotated.id} replaces ${id} (revoked from ${rotated.old_key_revoked_at})`)
        io.out(`key: ${rotated.key}`)
      }
    })
    return 0
  }
  io.err(`thriftline: unknown keys command ${JSON.stringify(sub ?? '')}\n${KEYS_USAGE}`)
  return 2
}

export async function runTenants (args: string[], settings: AdminClientSettings, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } })
  const { status, json } = await call(settings, 'GET', '/admin/tenants')
  if (status !== 200) return failure(io, status, json)
  if (values.json === true) { io.out(JSON.stringify(json, null, 2)); return 0 }
  for (const tenant of (json as { tenants: TenantLine[] }).tenants) {
    io.out(`${tenant.name} (${tenant.auth})  today ${periodText(tenant.spend.day)}  month ${periodText(tenant.spend.month)}`)
    for (const key of tenant.keys) io.out(`  ${key.id} (${key.status})  today ${periodText(key.spend.day)}  month ${periodText(key.spend.month)}`)
  }
  return 0
}
