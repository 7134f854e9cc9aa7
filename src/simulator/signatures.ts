// Pure. Thinking-block signatures bound to the model that wrote them, as the API enforces them
// (anthropic-api.md §3.3): the simulator signs each thinking block with its model, and answers 400
// when the assistant turn of a tool loop in progress (the one the model continues from) carries a
// thinking block another model signed. 5.5-generation models bind thinking to the model in every
// turn, so there any foreign signature is refused. Signatures the simulator did not write are not
// judged (tests hand-write `"signature": "sig"`).

import type { MessagesRequest } from '../types/anthropic.js'
import { canonicalModel } from './prompt-cache.js'

const SIGNED = /^Eq([A-Za-z0-9_-]+)\.[A-Za-z0-9+/=]*$/

/** @example signatureFor('claude-haiku-4-5-20251001', seed) // 'EqY2xhdWRl…' */
export function signatureFor (model: string, seed: Buffer): string {
  return 'Eq' + Buffer.from(canonicalModel(model)).toString('base64url') + '.' + seed.toString('base64').slice(0, 24)
}

/** The model a simulator signature names; null for any other signature. */
export function signerOf (signature: unknown): string | null {
  if (typeof signature !== 'string') return null
  const match = SIGNED.exec(signature)
  return match?.[1] === undefined ? null : Buffer.from(match[1], 'base64url').toString('utf8')
}

function bindsEveryTurn (model: string): boolean {
  return /-5-5$/.test(model)
}

/** The 400 message for a thinking block this model must refuse, or null. */
export function refusedSignature (body: MessagesRequest): string | null {
  const model = canonicalModel(body.model)
  const n = body.messages.length
  const last = body.messages[n - 1]
  const toolLoop = last?.role === 'user' && Array.isArray(last.content) && last.content.some((block) => block.type === 'tool_result')
  for (let i = 0; i < n; i++) {
    const message = body.messages[i]
    if (message?.role !== 'assistant' || !Array.isArray(message.content)) continue
    if (!(toolLoop && i === n - 2) && !bindsEveryTurn(model)) continue
    for (let j = 0; j < message.content.length; j++) {
      const block = message.content[j]
      if (block?.type !== 'thinking') continue
      const signer = signerOf(block.signature)
      if (signer !== null && signer !== model) return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`
    }
  }
  return null
}
