// The fastify proxy ("fastify-bare" in the performance targets: 114 µs of CPU per request where
// Thriftline's bar is 130, see docs/performance.md): Fastify 5 + @fastify/http-proxy with its defaults,
// which pipes the client's body stream to the upstream and the answer back. The benchmark's own
// bare proxy (bare-proxy.ts) is leaner than this, so it stays the ceiling; this one is here so the
// target can be read against the very proxy it was set against, in the same run.
// Usage: UPSTREAM=http://127.0.0.1:4010 PORT=8092 node --import tsx bench/fastify-proxy.ts

import Fastify from 'fastify'
import proxy from '@fastify/http-proxy'
import { serve, UPSTREAM_CONNECTIONS } from './reference-proxy.js'

const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 })
// Its own undici pool (128 connections by default, as @fastify/reply-from sets it); the streams
// benchmark lifts the cap through UPSTREAM_CONNECTIONS like the other references'.
await app.register(proxy, { upstream: process.env.UPSTREAM ?? 'http://127.0.0.1:4010', prefix: '/v1', rewritePrefix: '/v1', undici: { connections: UPSTREAM_CONNECTIONS } })

await serve(app, 'fastify proxy (@fastify/http-proxy)', 8092)
