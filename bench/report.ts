// Formats the benchmark's results as the markdown table the README quotes.

export interface PeerResult {
  name: string
  stream: boolean
  reqPerSec: number
  cpuMicrosPerRequest: number
  p50Ms: number
  p99Ms: number
  /** Time to the first body byte (the first SSE event for streams). */
  ttfbP50Ms: number
  errors: number
  peakRssBytes: number
  /** Thriftline only: mean of its own llm_gateway_overhead_seconds during the paced run. */
  ownTimeMeanMs: number | null
}

interface Context {
  machine: string
  seconds: number
  rounds: number
  rate: number
  leak: { rssAfter10kBytes: number; rssAfter100kBytes: number } | null
}

const pct = (value: number): string => `${Math.round(value * 100)}%`
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`
const signed = (ms: number): string => `${ms >= 0 ? '+' : ''}${ms.toFixed(2)}`

export function markdownTable (results: readonly PeerResult[], context: Context): string {
  const find = (name: string): PeerResult | undefined => results.find((r) => r.name === name)
  const lines = [
    `Machine: ${context.machine}. ${context.rounds} alternating rounds of ${context.seconds} s per peer; throughput at 50 connections, latency at a fixed ${context.rate} req/s; medians.`,
    '',
    '| peer | req/s | % of direct | % of bare proxy | CPU µs/req | p50 ms | p99 ms | added p50 / p99 ms | TTFB p50 ms (added) | own time ms (mean) | peak RSS | errors |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
  ]
  for (const r of results) {
    const direct = find(r.stream ? 'direct (stream)' : 'direct')
    const bare = find(r.stream ? 'bare proxy (stream)' : 'bare proxy')
    const isBase = direct === undefined || r === direct
    const added = isBase ? '–' : `${signed(r.p50Ms - direct.p50Ms)} / ${signed(r.p99Ms - direct.p99Ms)}`
    const ttfb = `${r.ttfbP50Ms.toFixed(2)}${isBase ? '' : ` (${signed(r.ttfbP50Ms - direct.ttfbP50Ms)})`}`
    lines.push(`| ${r.name} | ${Math.round(r.reqPerSec)} | ${direct ? pct(r.reqPerSec / direct.reqPerSec) : '–'} | ${bare ? pct(r.reqPerSec / bare.reqPerSec) : '–'} | ${r.cpuMicrosPerRequest.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${added} | ${ttfb} | ${r.ownTimeMeanMs === null ? '–' : r.ownTimeMeanMs.toFixed(3)} | ${mb(r.peakRssBytes)} | ${r.errors} |`)
  }
  const fastifyLine = againstFastify(results)
  if (fastifyLine !== null) lines.push('', fastifyLine)
  lines.push('', 'Own time: Thriftline\'s mean `llm_gateway_overhead_seconds` (request duration minus the wait on the upstream) during the paced run; unlike added latency, it carries none of the extra hop\'s scheduling noise.')
  if (context.leak !== null) {
    lines.push('', `Leak check (thriftline miss path): RSS ${mb(context.leak.rssAfter10kBytes)} after 10k requests, ${mb(context.leak.rssAfter100kBytes)} after 100k.`)
  }
  return lines.join('\n') + '\n'
}

/**
 * The targets read as the issue set them: against the Fastify + @fastify/http-proxy reference (Fastify +
 * @fastify/http-proxy, 114 µs per request there, the bar 130 µs), measured in the same run.
 */
function againstFastify (results: readonly PeerResult[]): string | null {
  const parts: string[] = []
  for (const r of results) {
    if (!r.name.startsWith('thriftline')) continue
    const fastify = results.find((a) => a.name === (r.stream ? 'fastify proxy (stream)' : 'fastify proxy'))
    if (fastify === undefined || fastify.reqPerSec === 0 || fastify.cpuMicrosPerRequest === 0) continue
    parts.push(`${r.name} ${pct(r.reqPerSec / fastify.reqPerSec)} of its throughput, ${(r.cpuMicrosPerRequest / fastify.cpuMicrosPerRequest).toFixed(2)}× its CPU per request`)
  }
  if (parts.length === 0) return null
  return `Against the fastify proxy (Fastify + @fastify/http-proxy): ${parts.join('; ')}.`
}
