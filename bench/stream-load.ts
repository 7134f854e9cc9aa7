// Holds `streams` paced Messages streams open at once against one URL and measures what a Claude
// Code user feels: time to the first content delta, and each later delta's arrival gap minus the
// gap the simulator sent it with (`x-sim-stamp`), so the simulator's own timer jitter is not
// charged to the path. Streams are opened over `rampMs`; the whole level is bounded by `deadlineMs`.

import { Agent, request } from 'node:http'
import type { IncomingMessage } from 'node:http'

export interface StreamLevelOptions {
  url: string
  streams: number
  rampMs: number
  /** Abandons whatever is still open after this long (counted as failed). */
  deadlineMs: number
  headers: Record<string, string>
  body: string
}

export interface StreamLevelResult {
  streams: number
  completed: number
  failed: number
  /** Milliseconds from sending the request to the first content delta, sorted. */
  ttftMs: number[]
  /** Added inter-frame gap histogram (0.1 ms buckets) and its event count. */
  gapHistogram: Uint32Array
  gaps: number
}

const BUCKET_MS = 0.1
const BUCKETS = 20_000 // 2 s; larger gaps land in the last bucket
const STAMP = '"sim_sent_at":'

/** The gap percentile from the histogram, in ms (the bucket's upper edge). */
export function gapPercentile (histogram: Uint32Array, total: number, p: number): number {
  if (total === 0) return 0
  const rank = Math.ceil(total * p)
  let seen = 0
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0
    if (seen >= rank) return (i + 1) * BUCKET_MS
  }
  return histogram.length * BUCKET_MS
}

export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? 0
}

const nowMs = (): number => performance.timeOrigin + performance.now()

/** One stream's reader: scans each chunk for delta stamps; events split across chunks are carried over. */
class StreamReader {
  private carry = ''
  private lastArrival = 0
  private lastSent = 0
  firstDeltaAt = 0
  stopped = false

  constructor (private readonly level: StreamLevelResult) {}

  onChunk (chunk: Buffer): void {
    const arrival = nowMs()
    const text = this.carry + chunk.toString('latin1')
    const end = text.lastIndexOf('\n\n')
    if (end === -1) { this.carry = text; return }
    this.carry = text.slice(end + 2)
    let at = text.indexOf(STAMP)
    while (at !== -1 && at < end) {
      const sent = Number.parseFloat(text.slice(at + STAMP.length, at + STAMP.length + 24))
      if (this.firstDeltaAt === 0) this.firstDeltaAt = arrival
      else {
        const added = (arrival - this.lastArrival) - (sent - this.lastSent)
        const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.floor(added / BUCKET_MS)))
        this.level.gapHistogram[bucket] = (this.level.gapHistogram[bucket] ?? 0) + 1
        this.level.gaps++
      }
      this.lastArrival = arrival
      this.lastSent = sent
      at = text.indexOf(STAMP, at + STAMP.length)
    }
    if (text.includes('event: message_stop')) this.stopped = true
  }
}

export async function runStreamLevel (options: StreamLevelOptions, agent: Agent): Promise<StreamLevelResult> {
  const level: StreamLevelResult = { streams: options.streams, completed: 0, failed: 0, ttftMs: [], gapHistogram: new Uint32Array(BUCKETS), gaps: 0 }
  const target = new URL('/v1/messages', options.url)
  const open = new Set<IncomingMessage | ReturnType<typeof request>>()
  const started = nowMs()
  const streams: Array<Promise<void>> = []
  for (let i = 0; i < options.streams; i++) {
    const due = started + (options.rampMs * i) / options.streams
    const wait = due - nowMs()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    streams.push(new Promise<void>((resolve) => {
      const reader = new StreamReader(level)
      const sentAt = nowMs()
      let settled = false
      const finish = (ok: boolean): void => {
        if (settled) return
        settled = true
        if (ok && reader.stopped && reader.firstDeltaAt > 0) {
          level.completed++
          level.ttftMs.push(reader.firstDeltaAt - sentAt)
        } else level.failed++
        resolve()
      }
      const req = request(target, { method: 'POST', headers: { ...options.headers, 'content-length': Buffer.byteLength(options.body) }, agent }, (res) => {
        open.add(res)
        if (res.statusCode === 200) res.on('data', (chunk: Buffer) => reader.onChunk(chunk))
        else res.resume()
        res.once('end', () => finish(res.statusCode === 200))
        res.once('close', () => { open.delete(res); finish(false) })
      })
      open.add(req)
      req.once('error', () => { open.delete(req); finish(false) })
      req.once('close', () => { open.delete(req) })
      req.end(options.body)
    }))
  }
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, started + options.deadlineMs - nowMs())).unref())
  await Promise.race([Promise.all(streams), deadline])
  for (const stream of open) stream.destroy()
  await Promise.all(streams)
  level.ttftMs.sort((a, b) => a - b)
  return level
}
