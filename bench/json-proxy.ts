// A second reference, between the bare proxy and Thriftline: Fastify 5 + undici reading the JSON
// body, rewriting `model` (Sonnet → Haiku, as the benchmark policy does) and re-serialising it,
// then streaming the answer back (a JSON-reading Fastify proxy). No policy, metrics or cache: what
// any gateway that must look at the body before forwarding pays, before doing anything useful.
// Usage: UPSTREAM=http://127.0.0.1:4010 PORT=8091 node --import tsx bench/json-proxy.ts

import Fastify from 'fastify'
import type { Dispatcher } from 'undici'
import { endToEnd, serve, upstream } from './reference-proxy.js'

const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 })

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

await serve(app, 'json proxy', 8091)
