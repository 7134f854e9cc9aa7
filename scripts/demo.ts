// `npm run demo`: the simulator and the gateway (in-memory cache) in one process, a small mixed
// workload through the official SDK, and what happened: routing per rule, cache hits, fallbacks,
// and spend and savings by model and reason from the gateway's own Prometheus metrics.
// No API key and no network needed.

import Anthropic from '@anthropic-ai/sdk'
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { buildApp } from '../src/app.js'
import { compileConfig } from '../src/config/compile.js'
import { createUpstreamClient } from '../src/upstream/client.js'
import { createMetrics } from '../src/metrics/registry.js'
import { recordOutcome } from '../src/metrics/record.js'
import { createCache } from '../src/cache/create-cache.js'
import { createSimulator } from '../src/simulator/server.js'
import type { RequestOutcome } from '../src/server/outcome.js'

/** A policy shipped with the product, so what the demo shows is what a user can run. */
const POLICY_FILE = new URL('../config/examples/demo.yaml', import.meta.url)

const USAGE = (input: number, output: number, cacheRead = 0): Record<string, string> =>
  ({ 'x-sim-usage': JSON.stringify({ input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: 0 }) })

interface Step { what: string; run: (client: Anthropic) => Promise<unknown> }

const ask = (model: string, content: string, extra: Record<string, unknown> = {}) =>
  ({ model, max_tokens: 256, messages: [{ role: 'user' as const, content }], ...extra })

// Current models only: the SDK prints a deprecation warning for models it knows are going away,
// except those already gone from its table (Haiku 3.5 below, retired on 2026-02-19).
const STEPS: Step[] = [
  { what: 'support chat asked of Sonnet 4.6', run: (c) => c.messages.create(ask('claude-sonnet-4-6', 'Where is my order #1234?'), { headers: { 'x-team': 'support', ...USAGE(1200, 300) } }) },
  { what: 'same, streamed', run: (c) => c.messages.stream(ask('claude-sonnet-4-6', 'Can I change my address?'), { headers: { 'x-team': 'support', ...USAGE(900, 250) } }).finalMessage() },
  { what: 'engineering asks Sonnet 4.6 (no rule)', run: (c) => c.messages.create(ask('claude-sonnet-4-6', 'Review this diff'), { headers: USAGE(5000, 800, 20000) }) },
  { what: 'virtual model claude-auto', run: (c) => c.messages.create(ask('claude-auto', 'Summarise this ticket'), { headers: USAGE(700, 120) }) },
  { what: 'claude-auto while Haiku is overloaded', run: (c) => c.messages.create(ask('claude-auto', 'Translate to French'), { headers: USAGE(400, 90) }) },
  { what: 'retired Haiku 3.5 (lifecycle remap)', run: (c) => c.messages.create(ask('claude-3-5-haiku-20241022', 'Classify: refund'), { headers: USAGE(300, 20) }) },
  { what: 'Opus 4.6 (a shadow rule watches)', run: (c) => c.messages.create(ask('claude-opus-4-6', 'Plan the migration'), { headers: USAGE(3000, 1500) }) },
  { what: 'classifier at temperature 0, first time', run: (c) => c.messages.create(ask('claude-haiku-4-5', 'Classify: "late delivery"', { temperature: 0 }), { headers: USAGE(2500, 10) }) },
  { what: 'same classifier, again', run: (c) => c.messages.create(ask('claude-haiku-4-5', 'Classify: "late delivery"', { temperature: 0 }), { headers: USAGE(2500, 10) }) },
  { what: 'same again, streamed', run: (c) => c.messages.stream(ask('claude-haiku-4-5', 'Classify: "late delivery"', { temperature: 0 }), { headers: USAGE(2500, 10) }).finalMessage() }
]

function pad (text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length)
}

function money (usd: number): string {
  return '$' + usd.toFixed(6)
}

async function main (): Promise<void> {
  const simulator = await createSimulator()
  const catalogRaw: unknown = parseYaml(await readFile(new URL('../config/models.yaml', import.meta.url), 'utf8'))
  const compiled = compileConfig(parseYaml(await readFile(POLICY_FILE, 'utf8')), catalogRaw, { path: null, nowMs: Date.now(), envOverrides: { upstreamUrl: simulator.url } })
  if ('issues' in compiled) throw new Error(compiled.issues.map((i) => `${i.path}: ${i.message}`).join('\n'))
  const config = compiled.config
  const metrics = createMetrics({ defaultMetrics: false, version: 'demo' })
  const upstream = createUpstreamClient({ connectTimeoutMs: 2000 })
  const cache = createCache({ redisUrl: null }, () => config.cache, metrics)
  const outcomes: RequestOutcome[] = []
  const app = await buildApp({
    config: () => config,
    upstream,
    cache,
    metrics,
    outcomes: { record: (outcome) => { outcomes.push(outcome); recordOutcome(metrics, outcome, config) } }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const url = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : ''
  // Claude Code and older SDKs speak API version 2023-06-01 (temperature allowed there).
  const client = new Anthropic({ baseURL: url, apiKey: 'sk-demo', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })

  process.stdout.write(`Thriftline demo: simulator ${simulator.url}, gateway ${url}, policy config/examples/demo.yaml\n\n`)
  process.stdout.write(`${pad('request', 40)} ${pad('asked for', 26)} ${pad('answered by', 18)} ${pad('rule', 17)} ${pad('cache', 6)} notes\n`)
  process.stdout.write(`${'-'.repeat(130)}\n`)
  for (const step of STEPS) {
    if (step.what.includes('overloaded')) simulator.setModelBehaviour('claude-haiku-4-5', { status: 529 })
    const before = outcomes.length
    await step.run(client)
    simulator.setModelBehaviour('claude-haiku-4-5', null)
    const o = outcomes[before]
    if (o === undefined) continue
    const notes = [
      ...(o.lifecycleRemap ? [`retired model, sent to its replacement ${o.lifecycleRemap.to}`] : []),
      ...o.fallbacks.map((hop) => `${hop.from} answered ${hop.status}: fallback to ${hop.to}`),
      ...(o.shadow ? [`shadow rule ${o.shadow.rule} would have sent it to ${o.shadow.targetModel}`] : []),
      ...(o.cacheResult === 'hit' ? ['answered from the cache, no upstream call'] : []),
      ...(o.stream ? ['streamed'] : [])
    ].join('; ')
    process.stdout.write(`${pad(step.what, 40)} ${pad(o.requestedModel ?? '', 26)} ${pad(o.routedModel ?? '', 18)} ${pad(o.rule ?? '-', 17)} ${pad(o.cacheResult, 6)} ${notes}\n`)
  }
  const hits = outcomes.filter((o) => o.cacheResult === 'hit').length
  const fallbacks = outcomes.reduce((n, o) => n + o.fallbacks.length, 0)
  process.stdout.write(`\nUpstream calls made: ${simulator.requests.length} for ${STEPS.length} requests (${hits} answered from the cache, ${fallbacks} extra for fallbacks).\n\n`)
  await printMoney(metrics)
  await app.close()
  await upstream.close()
  await cache.close()
  await simulator.close()
}

async function printMoney (metrics: ReturnType<typeof createMetrics>): Promise<void> {
  const spend = (await metrics.cost.get()).values
  const savings = (await metrics.savings.get()).values
  const extra = (await metrics.extraCost.get()).values
  const shadow = (await metrics.shadowWouldSave.get()).values
  const rows = new Map<string, { spend: number; routing: number; cache: number }>()
  const row = (model: string): { spend: number; routing: number; cache: number } => {
    const existing = rows.get(model)
    if (existing !== undefined) return existing
    const created = { spend: 0, routing: 0, cache: 0 }
    rows.set(model, created)
    return created
  }
  for (const v of spend) row(String(v.labels.routed_model)).spend += v.value
  for (const v of savings) {
    const r = row(String(v.labels.routed_model))
    if (v.labels.reason === 'cache') r.cache += v.value
    else r.routing += v.value
  }
  for (const v of extra) row(String(v.labels.routed_model)).routing -= v.value
  process.stdout.write(`${pad('model used', 20)} ${pad('spend', 12)} ${pad('saved by routing', 18)} ${pad('saved by cache', 16)}\n`)
  process.stdout.write(`${'-'.repeat(70)}\n`)
  let total = { spend: 0, routing: 0, cache: 0 }
  for (const [model, r] of [...rows.entries()].sort()) {
    process.stdout.write(`${pad(model, 20)} ${pad(money(r.spend), 12)} ${pad(money(r.routing), 18)} ${pad(money(r.cache), 16)}\n`)
    total = { spend: total.spend + r.spend, routing: total.routing + r.routing, cache: total.cache + r.cache }
  }
  process.stdout.write(`${'-'.repeat(70)}\n${pad('total', 20)} ${pad(money(total.spend), 12)} ${pad(money(total.routing), 18)} ${pad(money(total.cache), 16)}\n`)
  for (const v of shadow) process.stdout.write(`\nShadow rule ${v.labels.rule} would have saved a further ${money(v.value)}.\n`)
  const without = total.spend + total.routing + total.cache
  if (without > 0) process.stdout.write(`\nWithout Thriftline these requests would have cost ${money(without)}; they cost ${money(total.spend)} (${Math.round((1 - total.spend / without) * 100)}% saved).\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
