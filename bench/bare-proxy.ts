// The benchmark's ceiling: the leanest Fastify 5 + undici pass-through we can write, with none of
// Thriftline's work (no parse, no policy, no metrics). Thriftline is measured as a ratio of this.
// The request body is read whole and forwarded as bytes: piping the client's stream into undici
// (what @fastify/http-proxy does) measured slower here (a chunked upload, far more garbage), which
// made an easier ceiling. The answer is streamed back, as any proxy of SSE must.
// Usage: UPSTREAM=http://127.0.0.1:4010 PORT=8090 node --import tsx bench/bare-proxy.ts

import Fastify from 'fastify'
import type { Dispatcher } from 'undici'
import { endToEnd, serve, upstream } from './reference-proxy.js'

const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'buffer' }, function keepBytes (_request, body, done) { done(null, body) })

app.all('/v1/*', async function proxy (request, reply) {
  const response = await upstream.request({
    path: request.url,
    method: request.method as Dispatcher.HttpMethod,
    headers: endToEnd(request.headers),
    body: (request.body as Buffer | undefined) ?? null
  })
  return reply.code(response.statusCode).headers(endToEnd(response.headers)).send(response.body)
})

await serve(app, 'bare proxy', 8090)
