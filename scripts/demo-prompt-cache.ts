// The prompt-cache part of `npm run demo` (also `node --import tsx scripts/demo-prompt-cache.ts`):
// one scripted Opus 5.5 session — a 1h-cached context and short follow-ups that a rule sends to
// Sonnet 4.6 — played twice against the simulator (which bills prompt caching per model): once
// with the rule's `prompt_cache: ignore` (a naive downgrade) and once as shipped (`protect`). It
// prints, turn by turn, where each request went and what it cost, and the gateway's own honest
// counters: the naive run's "savings" come out as losses, the protected run keeps the warm model.

import Anthropic from '@anthropic-ai/sdk'
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { buildApp } from '../src/app.js'
import { compileConfig } from '../src/config/compile.js'
import { createUpstreamClient } from '../src/upstream/client.js'
import { createMetrics } from '../src/metrics/registry.js'
import type { Metrics } from '../src/metrics/registry.js'
import { recordOutcome } from '../src/metrics/record.js'
import { createSimulator } from '../src/simulator/server.js'
import type { RequestOutcome } from '../src/server/outcome.js'

const POLICY_FILE = new URL('../config/examples/prompt-cache.yaml', import.meta.url)
const CONTEXT = 'export function handler (event) { return route(event.path, event.body) } // service code\n'.repeat(2600)
const QUESTIONS = ['Plan the refactor of the request handler.', 'Which file do I start with?', 'And the tests for it?', 'Is the error path covered?', 'Name the new module.', 'Anything left?']

interface TurnResult { model: string; costUsd: number; note: string }
interface SessionResult { turns: TurnResult[]; spend: number; saved: number; lost: number; protectedTurns: number }

async function sum (metrics: Metrics, metric: 'cost' | 'routingLoss' | 'promptCacheProtected', filter?: (labels: Record<string, unknown>) => boolean): Promise<number> {
  return (await metrics[metric].get()).values.filter((v) => filter === undefined || filter(v.labels)).reduce((total, v) => total + v.value, 0)
}

async function routingSavings (metrics: Metrics): Promise<number> {
  return (await metrics.savings.get()).values.filter((v) => v.labels.reason === 'routing').reduce((total, v) => total + v.value, 0)
}

async function playSession (protect: boolean): Promise<SessionResult> {
  const simulator = await createSimulator()
  const raw = parseYaml(await readFile(POLICY_FILE, 'utf8')) as { routes: Array<Record<string, unknown>> }
  for (const route of raw.routes) route.prompt_cache = protect ? 'protect' : 'ignore'
  const catalogRaw: unknown = parseYaml(await readFile(new URL('../config/models.yaml', import.meta.url), 'utf8'))
  const compiled = compileConfig(raw, catalogRaw, { path: null, nowMs: Date.now(), envOverrides: { upstreamUrl: simulator.url } })
  if ('issues' in compiled) throw new Error(compiled.issues.map((i) => `${i.path}: ${i.message}`).join('\n'))
  const config = compiled.config
  const metrics = createMetrics({ defaultMetrics: false, version: 'demo' })
  const upstream = createUpstreamClient({ connectTimeoutMs: 2000 })
  const outcomes: RequestOutcome[] = []
  const app = await buildApp({ config: () => config, upstream, metrics, outcomes: { record: (o) => { outcomes.push(o); recordOutcome(metrics, o, config) } } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const url = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : ''
  const client = new Anthropic({ baseURL: url, apiKey: 'sk-demo-session', maxRetries: 0 })
  const history: Anthropic.MessageParam[] = []
  const turns: TurnResult[] = []
  try {
    for (const [i, question] of QUESTIONS.entries()) {
      // Claude Code's pattern: the breakpoint moves to the last message every turn.
      for (const m of history) if (m.role === 'user' && typeof m.content !== 'string') m.content = m.content.map((b) => (b.type === 'text' ? { type: 'text', text: b.text } : b))
      history.push({ role: 'user', content: [{ type: 'text', text: question, cache_control: { type: 'ephemeral', ttl: '1h' } }] })
      const costBefore = await sum(metrics, 'cost')
      const message = await client.messages.create({
        model: 'claude-opus-5-5',
        max_tokens: 1024,
        system: [{ type: 'text', text: CONTEXT, cache_control: { type: 'ephemeral', ttl: '1h' } }],
        messages: history
      }, { headers: { 'x-sim-output-tokens': '300', ...(i === 0 ? {} : { 'x-turn': 'followup' }) } })
      history.push({ role: 'assistant', content: message.content.map((block) => block.type === 'text' ? { type: 'text' as const, text: block.text } : { type: 'text' as const, text: '' }) })
      const outcome = outcomes[outcomes.length - 1]
      const cache = outcome?.promptCache
      const note = cache === null || cache === undefined
        ? ''
        : `${cache.outcome === 'protected' ? 'kept warm' : cache.outcome}: stay $${(cache.stayPicoUsd / 1e12).toFixed(4)} vs move $${(cache.movePicoUsd / 1e12).toFixed(4)}`
      turns.push({ model: message.model, costUsd: await sum(metrics, 'cost') - costBefore, note })
    }
    return { turns, spend: await sum(metrics, 'cost'), saved: await routingSavings(metrics), lost: await sum(metrics, 'routingLoss'), protectedTurns: await sum(metrics, 'promptCacheProtected') }
  } finally {
    await app.close()
    await upstream.close()
    await simulator.close()
  }
}

function pad (text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length)
}

const usd = (value: number): string => (value < 0 ? '-$' : '$') + Math.abs(value).toFixed(4)

export async function runPromptCacheDemo (out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const naive = await playSession(false)
  const kept = await playSession(true)
  out.write(`\nPrompt caching: an Opus 5.5 session (~${Math.round(CONTEXT.length / 4 * 1.3 / 1000)}K-token context cached for 1h), follow-ups sent to Sonnet 4.6 by config/examples/prompt-cache.yaml\n\n`)
  out.write(`${pad('turn', 34)} ${pad('naive (prompt_cache: ignore)', 30)} ${pad('Thriftline (protect)', 30)} why\n`)
  out.write(`${'-'.repeat(140)}\n`)
  QUESTIONS.forEach((question, i) => {
    const a = naive.turns[i]
    const b = kept.turns[i]
    out.write(`${pad(`${i + 1}. ${question}`, 34)} ${pad(`${a?.model ?? ''} ${usd(a?.costUsd ?? 0)}`, 30)} ${pad(`${b?.model ?? ''} ${usd(b?.costUsd ?? 0)}`, 30)} ${b?.note ?? ''}\n`)
  })
  out.write(`${'-'.repeat(140)}\n`)
  out.write(`${pad('spend', 34)} ${pad(usd(naive.spend), 30)} ${pad(usd(kept.spend), 30)}\n`)
  out.write(`${pad('routing savings / losses (metrics)', 34)} ${pad(`+${usd(naive.saved)} / -${usd(naive.lost)}`, 30)} ${pad(`+${usd(kept.saved)} / -${usd(kept.lost)}`, 30)} llm_gateway_savings_usd_total{reason="routing"} / llm_gateway_routing_loss_usd_total\n`)
  out.write(`${pad('turns kept on the warm model', 34)} ${pad('0', 30)} ${pad(String(kept.protectedTurns), 30)} llm_gateway_prompt_cache_protected_total (the "why" column: this turn's estimates)\n`)
  out.write(`\nThe naive downgrade spent ${usd(naive.spend - kept.spend)} more than keeping the warm model, and its own counters say so: net routing ${usd(naive.saved - naive.lost)}.\n`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runPromptCacheDemo().catch((err: unknown) => {
    process.stderr.write(`prompt-cache demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exit(1)
  })
}
