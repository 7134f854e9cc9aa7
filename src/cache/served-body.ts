// Pure. A cached answer in the form the client asked for: the stored bytes when the forms agree
// (the common case: a client streams, or does not, every time), otherwise converted, the JSON
// message replayed as SSE or the SSE replay reassembled into the message.

import type { Message } from '../types/anthropic.js'
import { StreamAccumulator } from '../messages/stream-accumulator.js'
import { SseParser } from '../upstream/sse.js'
import type { CacheEntry } from './entry.js'
import { replaySse } from './replay.js'

/** The message an entry holds; null when its bytes do not make one (the caller treats it as a miss). */
export function storedMessage (entry: CacheEntry): Message | null {
  if (entry.form === 'json') {
    try {
      return JSON.parse(entry.body.toString('utf8')) as Message
    } catch {
      return null
    }
  }
  const accumulator = new StreamAccumulator('full')
  for (const event of new SseParser().push(entry.body)) accumulator.add(event)
  return accumulator.outcome().message
}

/** What to write for a hit; null when the entry cannot be served in that form. */
export function servedBody (entry: CacheEntry, wantsStream: boolean): Buffer | string | null {
  if (wantsStream === (entry.form === 'sse')) return entry.body
  const message = storedMessage(entry)
  if (message === null) return null
  return wantsStream ? replaySse(message) : JSON.stringify(message)
}
