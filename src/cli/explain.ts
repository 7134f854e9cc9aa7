// `thriftline explain [--config gateway.yaml] [--header k:v]… [--date YYYY-MM-DD] [--random 0.5]
// [--json] request.json|-`: what the policy would do with a Messages request, offline. The same
// decision and explanation as POST /v1/gateway/explain.

import { readFile } from 'node:fs/promises'
import { loadConfig } from '../config/load.js'
import { isGatewayError } from '../errors.js'
import { parseJsonBody, parseMessagesRequest } from '../messages/parse-request.js'
import { applyDecision } from '../policy/apply.js'
import { decide } from '../policy/decide.js'
import { explain } from '../policy/explain.js'
import { toRoutingInput } from '../policy/input.js'
import type { MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { CliIo } from './check.js'

export interface ExplainArgs {
  configPath: string
  requestPath: string
  headers: readonly string[]
  date: string
  random: number
  json: boolean
  readStdin: () => Promise<string>
}

export async function runExplain (args: ExplainArgs, io: CliIo): Promise<number> {
  const loaded = await loadConfig(args.configPath, { nowMs: Date.parse(args.date), envOverrides: {} })
  if ('issues' in loaded) {
    for (const issue of loaded.issues) io.err(`${args.configPath}: ${issue.path}: ${issue.message}`)
    return 1
  }
  const headers: Record<string, string> = {}
  for (const header of args.headers) {
    const colon = header.indexOf(':')
    if (colon <= 0) {
      io.err(`--header ${JSON.stringify(header)}: expected name:value`)
      return 2
    }
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim()
  }
  let body: MessagesRequest
  try {
    const text = args.requestPath === '-' ? await args.readStdin() : await readFile(args.requestPath, 'utf8')
    const json = parseJsonBody(text)
    body = parseMessagesRequest(json, isRecord(json) && json.max_tokens === undefined ? 'count_tokens' : 'messages')
  } catch (err) {
    io.err(`${args.requestPath}: ${isGatewayError(err) || err instanceof Error ? err.message : String(err)}`)
    return 1
  }
  const config = loaded.config
  const input = toRoutingInput(body, headers)
  const decision = decide(input, config.policy, config.catalog, args.random, args.date, { trace: true })
  const explanation = explain(decision, input)
  if (args.json) {
    const { trace: _trace, ...plain } = decision
    io.out(JSON.stringify({ decision: plain, explanation }, null, 2))
    return 0
  }
  io.out(explanation.summary)
  io.out(`  estimated input ~${input.estimatedInputTokens} tokens, max_tokens ${input.maxTokens}, tools ${String(input.hasTools)}, images ${String(input.hasImages)}, thinking ${input.thinkingType ?? 'off'}`)
  for (const line of explanation.rules) io.out(`  ${line}`)
  if (decision.unroutable === null) {
    const outgoing = applyDecision(body, decision.targetModel, config.catalog)
    if (outgoing.max_tokens !== body.max_tokens) io.out(`  max_tokens clamped: ${String(body.max_tokens)} → ${String(outgoing.max_tokens)}`)
  }
  return decision.unroutable === null ? 0 : 1
}
