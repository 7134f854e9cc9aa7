// What bench:pair and bench:ab share: several peers pinned to core 1 loaded at the same time, each
// by its own autocannon, CPU per request read from /proc per round. Whatever the machine does to
// one peer in a round it does to the others, so ratios taken within a round are the steadiest
// reading this kind of noisy VM allows. Every load is bounded in time.

import autocannon from 'autocannon'
import { cpuMicros } from './peer.js'
import type { Peer } from './peer.js'
import { HEADERS } from './workload.js'

export interface SameCoreOptions {
  seconds: number
  rounds: number
  warmupSeconds: number
  /** Request headers; the benchmark's own (workload.ts) when absent. */
  headers?: Record<string, string>
}

async function load (url: string, body: string, seconds: number, headers: Record<string, string>): Promise<autocannon.Result> {
  return await autocannon({ url: `${url}/v1/messages`, method: 'POST', headers, body, connections: 25, duration: seconds })
}

/** CPU µs per request of each peer in each round: `[peer][round]`. Throws if a peer answered non-2xx. */
export async function cpuPerRequestRounds (peers: readonly Peer[], body: string, options: SameCoreOptions): Promise<number[][]> {
  const headers = options.headers ?? HEADERS
  await Promise.all(peers.map(async (peer) => await load(peer.url, body, options.warmupSeconds, headers)))
  const samples = peers.map(() => [] as number[])
  for (let round = 0; round < options.rounds; round++) {
    const before = peers.map((peer) => cpuMicros(peer.pid))
    const results = await Promise.all(peers.map(async (peer) => await load(peer.url, body, options.seconds, headers)))
    peers.forEach((peer, i) => {
      const result = results[i]
      if (result === undefined || result.non2xx > 0 || result.errors > 0) throw new Error(`${peer.name}: ${result?.non2xx ?? '?'} non-2xx answers, ${result?.errors ?? '?'} errors`)
      samples[i]?.push(result.requests.total > 0 ? (cpuMicros(peer.pid) - (before[i] ?? 0)) / result.requests.total : 0)
    })
  }
  return samples
}

/** Each round's value divided by the reference peer's value in the same round. */
export function ratiosTo (reference: readonly number[], values: readonly number[]): number[] {
  return values.map((value, round) => (reference[round] ?? 0) > 0 ? value / (reference[round] as number) : 0)
}
