// Pure. The simulator's injectable behaviour, read from request headers (the gateway forwards
// unknown headers, so a test sets them through the SDK's `headers`/`defaultHeaders`) and from
// per-model overrides (`sim.setModelBehaviour(model, …)`, which win over headers).
//
//   x-sim-status: 400|401|403|404|413|429|500|529…  answer with that status and Anthropic's error
//                                                    envelope (error.type per status, request_id)
//   x-sim-retry-after: N | none                      retry-after seconds; default 1 on 429/529 only,
//                                                    any status when set; `none` omits it (spend-cap 429)
//   x-sim-latency-ms: N                              delay before the response headers
//   x-sim-event-delay-ms: N                          delay between SSE events
//   x-sim-first-token-ms: N                          delay between the stream's opening events and its
//                                                    first content delta (the model's time to first token)
//   x-sim-stamp: 1                                   each content delta carries `sim_sent_at` (ms, the
//                                                    simulator's clock) so a benchmark can separate the
//                                                    simulator's own timer jitter from the path's
//   x-sim-output-tokens: N                           number of text chunks (= output tokens), default 12
//   x-sim-chunk-bytes: N                             pad every text chunk to N characters: huge answers
//                                                    (N × output tokens) and huge single events
//   x-sim-scenario: text|tool_use|thinking           shape of the reply, default text
//   x-sim-error-after-events: N                      send N SSE events, then `event: error`
//                                                    (overloaded_error) and end the stream
//   x-sim-truncate-after-events: N                   send N SSE events, then end the response cleanly
//                                                    (no message_stop, no error: a cut stream)
//   x-sim-reset-after-events: N                      send N SSE events, then destroy the socket (N at
//                                                    least the event count: a reset after message_stop)
//   x-sim-invalid-json: 1                            a 200 whose JSON body is cut short (well framed:
//                                                    content-length matches, the JSON does not parse)
//   x-sim-hang: headers|body|reset                   never answer / stop mid-body (after the first SSE
//                                                    event, or half the JSON) / destroy the socket
//   x-sim-usage: {json}                              exact usage to report (input_tokens, output_tokens,
//                                                    cache_*, cache_creation{…}, server_tool_use…);
//                                                    SSE: prompt side in message_start, totals in message_delta
//   x-sim-ping: 1                                    a ping event after every text delta
//   x-sim-unknown-event: 1                           an event type clients must tolerate
//
// A malformed value is answered with 400 invalid_request_error naming the header, so a typo in a
// test fails loudly instead of silently running the default.

import type { Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

export type Scenario = 'text' | 'tool_use' | 'thinking'
export type Hang = 'headers' | 'body' | 'reset'

export interface Behaviour {
  status: number | null
  /** Seconds; null = the default (1 on 429/529, absent otherwise); 'none' = never send it. */
  retryAfter: number | 'none' | null
  latencyMs: number
  eventDelayMs: number
  firstTokenMs: number
  stamp: boolean
  outputTokens: number
  /** Pad each text chunk to this many characters; null = the plain words. */
  chunkBytes: number | null
  scenario: Scenario
  errorAfterEvents: number | null
  truncateAfterEvents: number | null
  resetAfterEvents: number | null
  invalidJson: boolean
  hang: Hang | null
  usage: Usage | null
  ping: boolean
  unknownEvent: boolean
}

export const DEFAULT_BEHAVIOUR: Readonly<Behaviour> = Object.freeze({
  status: null,
  retryAfter: null,
  latencyMs: 0,
  eventDelayMs: 0,
  firstTokenMs: 0,
  stamp: false,
  outputTokens: 12,
  chunkBytes: null,
  scenario: 'text',
  errorAfterEvents: null,
  truncateAfterEvents: null,
  resetAfterEvents: null,
  invalidJson: false,
  hang: null,
  usage: null,
  ping: false,
  unknownEvent: false
})

type Headers = Record<string, string | string[] | undefined>

/** The retry-after header value for an error status, or null for none. */
export function retryAfterFor (status: number, behaviour: Behaviour): string | null {
  if (behaviour.retryAfter === 'none') return null
  if (behaviour.retryAfter !== null) return String(behaviour.retryAfter)
  return status === 429 || status === 529 ? '1' : null
}

function first (headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

class BadHeader extends Error {}

function int (headers: Headers, name: string, min = 0): number | null {
  const raw = first(headers, name)
  if (raw === undefined) return null
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) throw new BadHeader(`${name}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`)
  return value
}

function oneOf<T extends string> (headers: Headers, name: string, allowed: readonly T[]): T | null {
  const raw = first(headers, name)
  if (raw === undefined) return null
  if (!(allowed as readonly string[]).includes(raw)) throw new BadHeader(`${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
  return raw as T
}

function usageOf (headers: Headers): Usage | null {
  const raw = first(headers, 'x-sim-usage')
  if (raw === undefined) return null
  let parsed: unknown
  try { parsed = JSON.parse(raw) } catch { parsed = null }
  if (!isRecord(parsed)) throw new BadHeader('x-sim-usage: expected a JSON object')
  return parsed as Usage
}

function hasSimHeader (headers: Headers): boolean {
  for (const name in headers) if (name.startsWith('x-sim-')) return true
  return false
}

/** The behaviour for one request, or the message of a 400 when a header is malformed. */
export function behaviourOf (headers: Headers, override: Partial<Behaviour> | undefined): Behaviour | string {
  if (!hasSimHeader(headers)) return override === undefined ? DEFAULT_BEHAVIOUR : { ...DEFAULT_BEHAVIOUR, ...override }
  try {
    const retryAfter = first(headers, 'x-sim-retry-after') === 'none' ? 'none' : int(headers, 'x-sim-retry-after')
    return {
      status: int(headers, 'x-sim-status', 100),
      retryAfter,
      latencyMs: int(headers, 'x-sim-latency-ms') ?? 0,
      eventDelayMs: int(headers, 'x-sim-event-delay-ms') ?? 0,
      firstTokenMs: int(headers, 'x-sim-first-token-ms') ?? 0,
      stamp: oneOf(headers, 'x-sim-stamp', ['0', '1'] as const) === '1',
      outputTokens: int(headers, 'x-sim-output-tokens', 1) ?? DEFAULT_BEHAVIOUR.outputTokens,
      chunkBytes: int(headers, 'x-sim-chunk-bytes', 1),
      scenario: oneOf(headers, 'x-sim-scenario', ['text', 'tool_use', 'thinking'] as const) ?? 'text',
      errorAfterEvents: int(headers, 'x-sim-error-after-events'),
      truncateAfterEvents: int(headers, 'x-sim-truncate-after-events'),
      resetAfterEvents: int(headers, 'x-sim-reset-after-events'),
      invalidJson: oneOf(headers, 'x-sim-invalid-json', ['0', '1'] as const) === '1',
      hang: oneOf(headers, 'x-sim-hang', ['headers', 'body', 'reset'] as const),
      usage: usageOf(headers),
      ping: oneOf(headers, 'x-sim-ping', ['0', '1'] as const) === '1',
      unknownEvent: oneOf(headers, 'x-sim-unknown-event', ['0', '1'] as const) === '1',
      ...override
    }
  } catch (err) {
    if (err instanceof BadHeader) return err.message
    throw err
  }
}
