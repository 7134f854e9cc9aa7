// What the two reference proxies (bare-proxy.ts, json-proxy.ts) share, so they differ only in what
// they do to the body: the upstream pool, the end-to-end header copy, listening and stopping.

import type { FastifyInstance } from 'fastify'
import { Pool } from 'undici'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length'])

/** UPSTREAM_CONNECTIONS: the streams benchmark holds thousands of answers open at once, so it lifts the cap. */
export const UPSTREAM_CONNECTIONS = Number(process.env.UPSTREAM_CONNECTIONS ?? 128)

export const upstream = new Pool(process.env.UPSTREAM ?? 'http://127.0.0.1:4010', { connections: UPSTREAM_CONNECTIONS, keepAliveTimeout: 30_000 })

export function endToEnd (headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

export async function serve (app: FastifyInstance, name: string, defaultPort: number): Promise<void> {
  const port = Number(process.env.PORT ?? defaultPort)
  await app.listen({ port, host: '127.0.0.1' })
  process.stdout.write(`${name} on ${port}\n`)
  process.once('SIGTERM', () => { void app.close().then(() => upstream.close()).then(() => process.exit(0)) })
}
