// A second reference, between the bare proxy and Switchyard: Fastify 5 + undici reading the JSON
// body, rewriting `model` (Sonnet → Haiku, as the benchmark policy does) and re-serialising it,
// then streaming the answer back (the anchors' "fastify-json"). No policy, metrics or cache: what
// any gateway that must look at the body before forwarding pays, before doing anything useful.
// Usage: UPSTREAM=http://127.0.0.1:4010 PORT=8091 node --import tsx bench/json-proxy.ts

import Fastify from 'fastify'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length'])

const upstream = new Pool(process.env.UPSTREAM ?? 'http://127.0.0.1:4010', { connections: 128, keepAliveTimeout: 30_000 })
const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 })

function endToEnd (headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

app.all('/v1/*', async function proxy (request, reply) {
  let body: string | null = null
  if (request.body !== undefined) {
    const parsed = request.body as { model?: unknown }
    if (parsed.model === 'claude-sonnet-4-5') parsed.model = 'claude-haiku-4-5'
    body = JSON.stringify(parsed)
  }
  const response = await upstream.request({
    path: request.url,
    method: request.method as Dispatcher.HttpMethod,
    headers: endToEnd(request.headers),
    body
  })
  return reply.code(response.statusCode).headers(endToEnd(response.headers)).send(response.body)
})

await app.listen({ port: Number(process.env.PORT ?? 8091), host: '127.0.0.1' })
process.stdout.write(`json proxy on ${process.env.PORT ?? 8091}\n`)
process.once('SIGTERM', () => { void app.close().then(() => upstream.close()).then(() => process.exit(0)) })
