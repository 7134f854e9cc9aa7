// CLI entry (bin/thriftline.js): `check`, `explain`, `schema`, `keys` and `tenants`. Prints to the user, so console
// output is expected here; everything it decides comes from the same core as the gateway.

import { parseArgs } from 'node:util'
import { text } from 'node:stream/consumers'
import { gatewayJsonSchema } from '../config/schema.js'
import { runCheck } from './check.js'
import type { CliIo } from './check.js'
import { runExplain } from './explain.js'
import { KEYS_USAGE, runKeys, runTenants } from './keys.js'
import type { AdminClientSettings } from './keys.js'
import { runCatalogDiff } from './catalog-diff.js'

const USAGE = `usage:
  thriftline check [config.yaml]
      Validate a policy file (default: $GATEWAY_CONFIG or config/gateway.yaml).
      Prints "file: path: reason" per issue and exits 1, or "ok" and exits 0.
  thriftline explain [--config gateway.yaml] [--header name:value]... [--date YYYY-MM-DD]
                     [--random 0.5] [--json] request.json|-
      Show what the policy does with a Messages request, rule by rule. Nothing is sent.
  thriftline schema
      Print the policy file's JSON Schema (config/gateway.schema.json).
  thriftline catalog diff [--config gateway.yaml] [--upstream URL] [--json]
      List the models the upstream's GET /v1/models serves that the catalog lacks (credential:
      $ANTHROPIC_API_KEY). Exits 1 when some are missing, 0 when none, 2 on error.
${KEYS_USAGE}`

const io: CliIo = {
  out: (line) => { process.stdout.write(line + '\n') },
  err: (line) => { process.stderr.write(line + '\n') }
}

function defaultConfigPath (): string {
  const fromEnv = process.env.GATEWAY_CONFIG
  return fromEnv === undefined || fromEnv.trim() === '' ? 'config/gateway.yaml' : fromEnv
}

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'check') {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} })
    if (positionals.length > 1) return usage('check takes one file')
    return runCheck(positionals[0] ?? defaultConfigPath(), io, Date.now())
  }
  if (command === 'explain') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        header: { type: 'string', multiple: true },
        date: { type: 'string' },
        random: { type: 'string' },
        json: { type: 'boolean' }
      }
    })
    if (positionals.length !== 1 || positionals[0] === undefined) return usage('explain takes one request file (or - for stdin)')
    const date = values.date ?? new Date().toISOString().slice(0, 10)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return usage('--date must be YYYY-MM-DD')
    const random = values.random === undefined ? Math.random() : Number(values.random)
    if (!(random >= 0 && random < 1)) return usage('--random must be a number in [0, 1)')
    return runExplain({
      configPath: values.config ?? defaultConfigPath(),
      requestPath: positionals[0],
      headers: values.header ?? [],
      date,
      random,
      json: values.json === true,
      readStdin: () => text(process.stdin)
    }, io)
  }
  if (command === 'keys' || command === 'tenants') {
    const urlAt = rest.indexOf('--url')
    const url = urlAt >= 0 ? rest[urlAt + 1] : undefined
    const args = urlAt >= 0 ? [...rest.slice(0, urlAt), ...rest.slice(urlAt + 2)] : rest
    const settings: AdminClientSettings = {
      url: url ?? process.env.THRIFTLINE_URL ?? 'http://127.0.0.1:8080',
      token: process.env.ADMIN_TOKEN?.trim() || null,
      readStdin: () => text(process.stdin)
    }
    return command === 'keys' ? runKeys(args, settings, io) : runTenants(args, settings, io)
  }
  if (command === 'catalog') {
    const [sub, ...args] = rest
    if (sub !== 'diff') return usage('catalog takes the subcommand diff')
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, upstream: { type: 'string' }, json: { type: 'boolean' } } })
    if (positionals.length > 0) return usage('catalog diff takes no file argument (use --config)')
    return runCatalogDiff({
      configPath: values.config ?? defaultConfigPath(),
      upstreamUrl: values.upstream,
      apiKey: process.env.ANTHROPIC_API_KEY,
      json: values.json === true,
      fetch: globalThis.fetch,
      nowMs: Date.now()
    }, io)
  }
  if (command === 'schema') {
    io.out(JSON.stringify(gatewayJsonSchema(), null, 2))
    return 0
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE)
    return command === undefined ? 2 : 0
  }
  return usage(`unknown command "${command}"`)
}

function usage (problem: string): number {
  io.err(`thriftline: ${problem}\n${USAGE}`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err: unknown) => {
    io.err(`thriftline: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true ? 2 : 1
  }
)
