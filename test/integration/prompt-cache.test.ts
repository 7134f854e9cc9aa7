// Issue 15 acceptance: a 10-turn Claude Code-like conversation (cached system prompt, a moving
// cache_control marker on the last message, extended thinking, a tool loop) through a downgrade
// rule deployed after the first turn, over the simulator (which bills prompt caching per model and
// refuses foreign thinking signatures). Turns whose move would lose money stay on the warm model;
// tool turns stay with the model that signed their thinking; no answer is a 400; and the net
// routing savings on /metrics equal the figure computed here from the usage the client saw.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { createSimulator } from '../../src/simulator/server.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startGateway } from '../helpers/start-gateway.js'
import { sumSamples } from '../helpers/metric-sample.js'
import type { StartedGateway } from '../helpers/start-gateway.js'

const DOWNGRADE = `
routes:
  - name: downgrade
    match: { model: claude-sonnet-4-6 }
    action: { model: claude-haiku-4-5 }
`

let sim: Simulator
let gw: StartedGateway

before(async () => {
  sim = await createSimulator()
  gw = await startGateway({ upstreamUrl: sim.url })
})

after(async () => {
  await gw.close()
  await sim.close()
})

async function sample (metric: string, labels: Record<string, string> = {}): Promise<number> {
  return sumSamples(await gw.scrape(), metric, labels)
}

type Block = Record<string, unknown>
type Turn = { role: 'user' | 'assistant'; content: Block[] }

const EPHEMERAL = { type: 'ephemeral' as const }
const SYSTEM = [{ type: 'text' as const, text: 'You are a careful coding agent. Follow the repository conventions. '.repeat(500), cache_control: EPHEMERAL }]
const TOOLS = [{ name: 'bash', description: 'Run a shell command', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } }]

/** The last message carries the moving breakpoint, as Claude Code sends it. */
function withMovingMarker (history: Turn[]): Turn[] {
  return history.map((turn, i) => {
    const content = turn.content.map(({ cache_control: _marker, ...block }) => block)
    if (i === history.length - 1) content[content.length - 1] = { ...content[content.length - 1], cache_control: EPHEMERAL }
    return { role: turn.role, content }
  })
}

// Prices per token in pico-USD (config/models.yaml): Sonnet 4.6 and Haiku 4.5; both tokenizer ratio 1.
const SONNET = { input: 3_000_000n, write5m: 3_750_000n, read: 300_000n, output: 15_000_000n }
const HAIKU = { input: 1_000_000n, write5m: 1_250_000n, read: 100_000n, output: 5_000_000n }

interface SeenUsage { input: number; read: number; write: number; output: number }
const usageOf = (u: Anthropic.Usage): SeenUsage => ({ input: u.input_tokens, read: u.cache_read_input_tokens ?? 0, write: u.cache_creation_input_tokens ?? 0, output: u.output_tokens })
const priceOf = (u: SeenUsage, p: typeof SONNET): bigint => BigInt(u.input) * p.input + BigInt(u.write) * p.write5m + BigInt(u.read) * p.read + BigInt(u.output) * p.output

/** Sonnet's cost for a turn Haiku served, with Sonnet's own cache: `warm` tokens read, the rest of the cacheable prefix written. */
function sonnetCounterfactual (served: SeenUsage, warm: number): bigint {
  const cacheable = served.read + served.write
  const read = Math.min(warm, cacheable)
  return priceOf({ input: served.input, read, write: cacheable - read, output: served.output }, SONNET)
}

test('a 10-turn cached tool loop through a downgrade rule: warm turns protected, no broken signature, net savings exact', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-test-conversation', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } })
  const history: Turn[] = []
  const served: string[] = []
  const usages: SeenUsage[] = []
  const cacheHeaders: Array<string | null> = []
  const keptEstimates: number[] = []

  async function send (turn: Turn, scenario: 'thinking_tool_use' | 'thinking', stream: boolean): Promise<void> {
    history.push(turn)
    const params = { model: 'claude-sonnet-4-6', max_tokens: 4096, thinking: { type: 'enabled' as const, budget_tokens: 2048 }, system: SYSTEM, tools: TOOLS, messages: withMovingMarker(history) as unknown as Anthropic.MessageParam[] }
    const options = { headers: { 'x-sim-scenario': scenario } }
    const { data: message, response } = stream
      ? { data: await client.messages.stream(params, options).finalMessage(), response: null }
      : await client.messages.create(params, options).withResponse()
    served.push(message.model)
    usages.push(usageOf(message.usage))
    const header = response?.headers.get('x-gateway-prompt-cache') ?? null
    cacheHeaders.push(stream ? null : header)
    if (header === 'protected') {
      const usd = /stay=([\d.]+);move=([\d.]+)/.exec(response?.headers.get('x-gateway-prompt-cache-usd') ?? '')
      keptEstimates.push(Number(usd?.[2]) - Number(usd?.[1]))
      assert.equal(response?.headers.get('x-gateway-prompt-cache-reason'), 'prompt_cache_warm')
    }
    history.push({ role: 'assistant', content: message.content as unknown as Block[] })
  }
  const toolResult = (): Turn => {
    const last = history[history.length - 1]?.content.find((block) => block.type === 'tool_use')
    return { role: 'user', content: [{ type: 'tool_result', tool_use_id: last?.id, content: 'exit 0' }] }
  }
  const ask = (text: string): Turn => ({ role: 'user', content: [{ type: 'text', text }] })

  // 1: planning on Sonnet, before any rule: the system prompt is written to Sonnet's cache.
  await send(ask('Fix the failing test in src/app.ts.'), 'thinking_tool_use', false)
  // The operator deploys a downgrade rule mid-conversation.
  await gw.swapConfig(DOWNGRADE)
  // 2–3: the tool loop Sonnet started stays on Sonnet (its thinking signature).
  await send(toolResult(), 'thinking_tool_use', true)
  await send(toolResult(), 'thinking', false)
  // 4: a new question: moving would rewrite the warm prefix on Haiku at 12.5x Sonnet's read price.
  await send(ask('Now also update the changelog.'), 'thinking_tool_use', false)
  // 5–6: its tool loop.
  await send(toolResult(), 'thinking_tool_use', false)
  await send(toolResult(), 'thinking', true)
  // 7: a question with a big new attachment: now the downgrade saves money even writing Haiku's cache.
  await send(ask('Review this log:\n' + 'ERROR connection reset by peer at worker.ts:42\n'.repeat(5000)), 'thinking_tool_use', false)
  // 8–9: Haiku's tool loop stays on Haiku.
  await send(toolResult(), 'thinking_tool_use', false)
  await send(toolResult(), 'thinking', false)
  // 10: Haiku is warm now, for the body it receives: the move is cheaper.
  await send(ask('Summarise what you changed.'), 'thinking', false)

  assert.equal(served.length, 10, 'all ten answers were 200s (the SDK throws on a 400)')
  assert.deepEqual(served, [
    'claude-sonnet-4-6', 'claude-sonnet-4-6', 'claude-sonnet-4-6',
    'claude-sonnet-4-6', 'claude-sonnet-4-6', 'claude-sonnet-4-6',
    'claude-haiku-4-5', 'claude-haiku-4-5', 'claude-haiku-4-5', 'claude-haiku-4-5'
  ])
  assert.deepEqual(cacheHeaders, [null, null, null, 'protected', null, null, 'moved', null, null, 'moved'])
  assert.ok((usages[3]?.read ?? 0) > 4096, 'the protected turn read Sonnet\'s warm cache')
  const reasons = gw.outcomes.map((o) => o.skipped.map((s) => s.reason).join(','))
  assert.deepEqual(reasons, ['', 'thinking_signature', 'thinking_signature', '', 'thinking_signature', 'thinking_signature', '', '', '', ''])

  // Protection metrics: one protected turn; the USD kept is its estimate (move − stay).
  assert.equal(await sample('llm_gateway_prompt_cache_protected_total', { rule: 'downgrade', warm_model: 'claude-sonnet-4-6', target_model: 'claude-haiku-4-5' }), 1)
  assert.ok(Math.abs(await sample('llm_gateway_prompt_cache_kept_usd_total', { rule: 'downgrade' }) - (keptEstimates[0] ?? 0)) < 1e-6)

  // Net routing savings, by hand: Haiku answered turns 7–10; Sonnet then held the prefix it cached
  // at turn 6 (everything it read or wrote that turn), and would have read that and written the rest.
  const sonnetWarm = (usages[5]?.read ?? 0) + (usages[5]?.write ?? 0)
  let savedPico = 0n
  let lostPico = 0n
  for (const usage of usages.slice(6)) {
    const delta = sonnetCounterfactual(usage, sonnetWarm) - priceOf(usage, HAIKU)
    if (delta > 0n) savedPico += delta
    else lostPico -= delta
  }
  const saved = await sample('llm_gateway_savings_usd_total', { reason: 'routing' })
  const lost = await sample('llm_gateway_routing_loss_usd_total')
  assert.ok(Math.abs(saved - Number(savedPico) / 1e12) < 1e-12, `savings ${saved} ≠ ${Number(savedPico) / 1e12}`)
  assert.ok(Math.abs(lost - Number(lostPico) / 1e12) < 1e-12, `losses ${lost} ≠ ${Number(lostPico) / 1e12}`)
  assert.ok(Math.abs((saved - lost) - Number(savedPico - lostPico) / 1e12) < 1e-12, 'net')
  assert.ok(savedPico > 0n)
})

test('the simulator refuses a tool turn sent to a model that did not sign its thinking (what the pin prevents)', async () => {
  const upstream = new Anthropic({ baseURL: sim.url, apiKey: 'sk-test-direct', maxRetries: 0 })
  const first = await upstream.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: TOOLS, messages: [{ role: 'user', content: 'go' }] }, { headers: { 'x-sim-scenario': 'thinking_tool_use' } })
  const toolUse = first.content.find((block) => block.type === 'tool_use')
  const messages: Anthropic.MessageParam[] = [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse?.type === 'tool_use' ? toolUse.id : '', content: 'ok' }] }
  ]
  await assert.rejects(
    upstream.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: TOOLS, messages }),
    (err: unknown) => err instanceof Anthropic.BadRequestError && /Invalid `signature` in `thinking` block/.test(err.message)
  )
})
