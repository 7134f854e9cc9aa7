// A small round-robin front for multi-replica tests: what a Kubernetes Service does with its
// endpoints. Each request goes to the next backend; the response (SSE included) is piped back as
// it arrives. A backend that refuses the connection is skipped (its endpoint is gone), one that
// dies mid-response ends that response only.

import { createServer, request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const BACKEND_HEADER = 'x-test-backend'

export interface RoundRobinFront {
  url: string
  /** How many requests each backend was handed, by index. */
  served: number[]
  close: () => Promise<void>
}

export async function startRoundRobin (backends: string[]): Promise<RoundRobinFront> {
  const served = backends.map(() => 0)
  let next = 0

  const forward = (incoming: IncomingMessage, body: Buffer, response: ServerResponse, attempt: number): void => {
    const index = next++ % backends.length
    const target = new URL(incoming.url ?? '/', backends[index])
    const upstream = httpRequest(target, { method: incoming.method, headers: incoming.headers }, (answer) => {
      served[index]!++
      // Which backend answered, so a test can tell whose in-flight requests a kill should end.
      response.writeHead(answer.statusCode ?? 502, { ...answer.headers, [BACKEND_HEADER]: String(index) })
      answer.pipe(response)
      answer.on('error', () => response.destroy())
      answer.on('aborted', () => response.destroy())
    })
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && attempt < backends.length) { forward(incoming, body, response, attempt + 1); return }
      // Dead mid-response: the client sees its connection end, as behind a real load balancer.
      if (response.headersSent) response.destroy()
      else response.writeHead(502).end()
    })
    upstream.end(body)
  }

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => forward(incoming, Buffer.concat(chunks), response, 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    served,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
