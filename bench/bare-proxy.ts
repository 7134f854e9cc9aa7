// The benchmark's ceiling: the leanest Fastify 5 + undici pass-through we can write, with none of
// Switchyard's work (no parse, no policy, no metrics). Switchyard is measured as a ratio of this.
// The request body is read whole and forwarded as bytes: piping the client's stream into undici
// (what @fastify/http-proxy does) measured slower here (a chunked upload, far more garbage), which
// made an easier ceiling. The answer is streamed back, as any proxy of SSE must.
// Usage: UPSTREAM=http://127.0.0.1:4010 PORT=8090 node --import tsx bench/bare-proxy.ts

import Fastify from 'fastify'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length'])

const upstream = new Pool(process.env.UPSTREAM ?? 'http://127.0.0.1:4010', { connections: 128, keepAliveTimeout: 30_000 })
const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'buffer' }, function keepBytes (_request, body, done) { done(null, body) })

app.all('/v1/*', async function proxy (request, reply) {
  const headers: Record<string, string | string[]> = {}
  for (const name in request.headers) {
    const value = request.headers[name]
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
  }
  const response = await upstream.request({
    path: request.url,
    method: request.method as Dispatcher.HttpMethod,
    headers,
    body: (request.body as Buffer | undefined) ?? null
  })
  const out: Record<string, string | string[]> = {}
  for (const name in response.headers) {
    const value = response.headers[name]
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return reply.code(response.statusCode).headers(out).send(response.body)
})

await app.listen({ port: Number(process.env.PORT ?? 8090), host: '127.0.0.1' })
process.stdout.write(`bare proxy on ${process.env.PORT ?? 8090}\n`)
process.once('SIGTERM', () => { void app.close().then(() => upstream.close()).then(() => process.exit(0)) })
