// Pure. Reassembles a Message from the Messages API's SSE events, the way the SDK's MessageStream
// does: blocks by index, deltas concatenated, partial_json parsed at the
// end, usage merged as running totals. In `usage` mode only the usage is read, off the end of the
// message-level events, so the streaming hot path does not JSON.parse every token (or any event
// laid out as the API lays it out).

import type { ContentBlock, Message, Usage } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'
import type { SseEvent } from '../upstream/sse.js'
import { mergeUsage, trailingUsage } from './usage.js'

export type AccumulatorMode = 'usage' | 'full'

export interface StreamOutcome {
  usage: Usage
  /** message_stop arrived. */
  completed: boolean
  /** An `event: error` arrived; its error.type. */
  errorType: string | null
  /** Seconds-free marker: whether any content block started (time-to-first-token is measured outside). */
  sawContent: boolean
  /** The reassembled message; only in `full` mode, only when completed without error. */
  message: Message | null
}

const isMessageLevel = (name: string): boolean =>
  name === 'message_delta' || name === 'message_start' || name === 'message_stop' || name === 'error'

export class StreamAccumulator {
  #mode: AccumulatorMode
  /** Event text taken in while reassembling (`full` mode): past `maxFullChars` it stops. */
  #heldChars = 0
  readonly #maxFullChars: number
  #message: Message | null = null
  #blocks: ContentBlock[] = []
  #jsonParts = new Map<number, string>()
  #usage: Usage = {}
  #stopReason: string | null = null
  #completed = false
  #errorType: string | null = null
  #sawContent = false
  #broken = false

  /**
   * @param maxFullChars in `full` mode, reassembly stops once the events add up to more than this
   * (the cache's max_entry_bytes: such a message could never be stored) and only the usage is read
   * on: a 600 MB stream was otherwise gathered into one string until V8's limit broke the relay.
   */
  constructor (mode: AccumulatorMode, maxFullChars = Number.POSITIVE_INFINITY) {
    this.#mode = mode
    this.#maxFullChars = maxFullChars
  }

  /** Whether the message was too large to reassemble (full mode gave up; the usage is still read). */
  get gaveUp (): boolean {
    return this.#heldChars > this.#maxFullChars
  }

  /** The stream reached its own end: message_stop, or an `event: error` from the upstream. */
  get reachedEnd (): boolean {
    return this.#completed || this.#errorType !== null
  }

  /** Feeds one event; returns true when it is the first content event (for time to first token). */
  add (event: SseEvent): boolean {
    const name = event.event
    // Names are fresh slices of the stream: plain comparisons (length first) beat hashing each
    // one for a Set lookup, and after the first content event these two are not asked again.
    const first = !this.#sawContent && (name === 'content_block_start' || name === 'content_block_delta')
    if (first) this.#sawContent = true
    if (this.#mode === 'full' && (this.#heldChars += event.data.length) > this.#maxFullChars) this.#stopReassembling()
    if (this.#mode === 'usage' && !isMessageLevel(name)) return first
    // Its name says it all: no parse.
    if (name === 'message_stop') { this.#completed = true; return first }
    if (this.#mode === 'usage' && this.#readUsageOnly(name, event.data)) return first
    let payload: unknown
    try {
      payload = JSON.parse(event.data)
    } catch {
      if (name !== 'ping') this.#broken = true
      return first
    }
    if (!isRecord(payload)) return first
    this.#apply(name, payload)
    return first
  }

  /**
   * Usage mode needs only the usage, which ends message_start's message and message_delta: read
   * it off the end of the data (JSON.parse of the whole event was ~6% of the gateway's CPU per
   * streamed request in a same-core A/B). False when the layout is not the API's: parse it all.
   */
  #readUsageOnly (name: string, data: string): boolean {
    if (name !== 'message_start' && name !== 'message_delta') return false
    const usage = trailingUsage(data, name === 'message_start' ? 2 : 1)
    if (usage === null) return false
    this.#usage = mergeUsage(name === 'message_start' ? {} : this.#usage, usage)
    return true
  }

  #stopReassembling (): void {
    this.#mode = 'usage'
    this.#blocks = []
    this.#jsonParts.clear()
    if (this.#message !== null) this.#message.content = []
  }

  #apply (name: string, payload: Record<string, unknown>): void {
    switch (name) {
      case 'message_start': {
        const message = payload.message
        if (!isRecord(message)) { this.#broken = true; return }
        this.#message = { ...(message as unknown as Message), content: [] }
        this.#usage = mergeUsage({}, message.usage)
        return
      }
      case 'message_delta': {
        const delta = payload.delta
        if (isRecord(delta)) {
          if (typeof delta.stop_reason === 'string') this.#stopReason = delta.stop_reason
          if (this.#message !== null) Object.assign(this.#message, delta)
        }
        this.#usage = mergeUsage(this.#usage, payload.usage)
        return
      }
      case 'error': {
        const error = payload.error
        this.#errorType = isRecord(error) && typeof error.type === 'string' ? error.type : 'unknown_error'
        return
      }
      case 'content_block_start': return this.#startBlock(payload)
      case 'content_block_delta': return this.#applyDelta(payload)
      case 'content_block_stop': return this.#stopBlock(payload)
    }
  }

  #startBlock (payload: Record<string, unknown>): void {
    const index = payload.index
    const block = payload.content_block
    if (typeof index !== 'number' || !isRecord(block) || typeof block.type !== 'string') {
      this.#broken = true
      return
    }
    this.#blocks[index] = { ...(block as ContentBlock) }
  }

  #applyDelta (payload: Record<string, unknown>): void {
    const index = payload.index
    const delta = payload.delta
    const block = typeof index === 'number' ? this.#blocks[index] : undefined
    if (typeof index !== 'number' || block === undefined || !isRecord(delta)) { this.#broken = true; return }
    switch (delta.type) {
      case 'text_delta': block.text = String(block.text ?? '') + String(delta.text ?? ''); return
      case 'thinking_delta': block.thinking = String(block.thinking ?? '') + String(delta.thinking ?? ''); return
      case 'signature_delta': block.signature = String(block.signature ?? '') + String(delta.signature ?? ''); return
      case 'input_json_delta':
        this.#jsonParts.set(index, (this.#jsonParts.get(index) ?? '') + String(delta.partial_json ?? ''))
        return
      case 'citations_delta': {
        const citations = Array.isArray(block.citations) ? block.citations : []
        block.citations = [...citations, delta.citation]
        return
      }
      default:
        // An unknown delta type cannot be replayed faithfully: never store this stream.
        this.#broken = true
    }
  }

  #stopBlock (payload: Record<string, unknown>): void {
    const index = payload.index
    if (typeof index !== 'number') return
    const json = this.#jsonParts.get(index)
    const block = this.#blocks[index]
    if (json === undefined || block === undefined) return
    try {
      block.input = json === '' ? {} : JSON.parse(json)
    } catch {
      this.#broken = true
    }
  }

  outcome (): StreamOutcome {
    const ok = this.#completed && this.#errorType === null && !this.#broken && this.#mode === 'full'
    let message: Message | null = null
    if (ok && this.#message !== null && !this.#blocks.includes(undefined as unknown as ContentBlock)) {
      message = { ...this.#message, content: this.#blocks, stop_reason: this.#stopReason, usage: this.#usage }
    }
    return {
      usage: this.#usage,
      completed: this.#completed,
      errorType: this.#errorType,
      sawContent: this.#sawContent,
      message
    }
  }
}
