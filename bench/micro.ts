// `npm run bench:micro`: ns/op of the hot pure functions, each timed for a bounded ~1 s after a
// warm-up. Writes bench/results/micro.json and prints a markdown table.

import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { compileConfig } from '../src/config/compile.js'
import { toRoutingInput } from '../src/policy/input.js'
import { decide } from '../src/policy/decide.js'
import { cacheKey } from '../src/cache/key.js'
import { SseParser } from '../src/upstream/sse.js'
import { StreamAccumulator } from '../src/messages/stream-accumulator.js'
import { planReply, sseEvents } from '../src/simulator/reply.js'
import { DEFAULT_BEHAVIOUR } from '../src/simulator/behaviour.js'
import { prefixShapes } from '../src/prompt-cache/prefix.js'
import type { MessagesRequest } from '../src/types/anthropic.js'
import { claudeCodeRequest } from '../test/helpers/claude-code-request.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

function time (name: string, fn: () => unknown): { name: string; nsPerOp: number; ops: number } {
  for (let i = 0; i < 2000; i++) fn()
  let ops = 0
  const start = process.hrtime.bigint()
  const budget = 1_000_000_000n
  let elapsed = 0n
  while (elapsed < budget) {
    for (let i = 0; i < 200; i++) fn()
    ops += 200
    elapsed = process.hrtime.bigint() - start
  }
  return { name, nsPerOp: Number(elapsed) / ops, ops }
}

function policyWith (rules: number): string {
  const lines = ['routes:']
  for (let i = 0; i < rules - 1; i++) {
    lines.push(`  - name: team-${i}`, '    match:', '      model: ["claude-sonnet-4-5*"]', `      header: { x-team: "team-${i}" }`, '      max_input_tokens: 8000', '    action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-6] }')
  }
  lines.push('  - name: last', '    match: { model: "claude-sonnet-4-5*", has_images: false }', '    action: { model: claude-haiku-4-5 }')
  return lines.join('\n') + '\n'
}

async function main (): Promise<void> {
  const catalogRaw: unknown = parseYaml(await readFile(`${ROOT}/config/models.yaml`, 'utf8'))
  const compiled = compileConfig(parseYaml(policyWith(100)), catalogRaw, { path: null, nowMs: Date.now(), envOverrides: {} })
  if ('issues' in compiled) throw new Error(JSON.stringify(compiled.issues))
  const { policy, catalog } = compiled.config
  const small: MessagesRequest = { model: 'claude-sonnet-4-5', max_tokens: 256, temperature: 0, system: 'You are a helpful support assistant. '.repeat(20), messages: [{ role: 'user', content: 'Where is my order? '.repeat(60) }] }
  const large: MessagesRequest = { ...small, messages: Array.from({ length: 50 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: 'Some realistic conversation text, with punctuation and numbers 12345. '.repeat(15) })) }
  const claudeCode = claudeCodeRequest()
  const headers = { 'x-team': 'nobody', 'anthropic-version': '2023-06-01' }
  const input = toRoutingInput(small, headers)
  const stream = sseEvents(planReply(small, { ...DEFAULT_BEHAVIOUR, outputTokens: 20 }, 'msg_bench'), DEFAULT_BEHAVIOUR).join('')
  const chunks = stream.split(/(?<=\n\n)/).map((event) => Buffer.from(event))
  const results = [
    time('policy decision, 100 rules (match on the last)', () => decide(input, policy, catalog, 0.5, '2026-11-24')),
    time(`routing input + token estimate, ${(JSON.stringify(large).length / 1024).toFixed(0)} KB request`, () => toRoutingInput(large, headers)),
    time(`cache key, ${(JSON.stringify(small).length / 1024).toFixed(1)} KB request`, () => cacheKey(small, { anthropicVersion: '2023-06-01', anthropicBeta: 'a,b' }, 'key:abc')),
    time(`prompt-cache prefixes, ${(JSON.stringify(claudeCode).length / 1024).toFixed(0)} KB Claude Code request (3 breakpoints, thinking)`, () => prefixShapes(claudeCode, 'key:abc')),
    time(`SSE parse, ${chunks.length} events`, () => { const parser = new SseParser(); for (const chunk of chunks) parser.push(chunk) }),
    time(`SSE parse + usage accumulation, ${chunks.length} events`, () => {
      const parser = new SseParser()
      const accumulator = new StreamAccumulator('usage')
      for (const chunk of chunks) for (const event of parser.push(chunk)) accumulator.add(event)
      return accumulator.outcome()
    })
  ]
  const table = ['| function | ns/op | µs/op |', '|---|--:|--:|', ...results.map((r) => `| ${r.name} | ${Math.round(r.nsPerOp)} | ${(r.nsPerOp / 1000).toFixed(2)} |`)].join('\n') + '\n'
  await mkdir(`${ROOT}/bench/results`, { recursive: true })
  await writeFile(`${ROOT}/bench/results/micro.json`, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + '\n')
  process.stdout.write(table)
}

main().catch((err: unknown) => {
  process.stderr.write(`micro bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
