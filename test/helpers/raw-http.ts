// Speaks HTTP/1.1 over a plain socket, for what no HTTP client will send (absolute-form targets,
// dot-segments, `Expect: 100-continue`, stalled or oversized bodies) and to see every byte the
// gateway answers, interim responses included.

import { connect } from 'node:net'
import type { Socket } from 'node:net'

export interface RawResponse {
  /** Every status code received, interim (100) ones included, in order. */
  statuses: number[]
  /** The last response's headers, lower-cased names. */
  headers: Record<string, string>
  body: string
  /** Everything the gateway sent. */
  text: string
  /** How the exchange ended: the gateway closed, reset, or the client gave up waiting. */
  end: 'closed' | 'reset' | 'timeout'
}

export interface RawOptions {
  /** Sent after the head; with `waitForContinue`, only once `100 Continue` arrived. */
  body?: string | Buffer
  waitForContinue?: boolean
  /** Give up (and report `timeout`) after this long; default 5 s. */
  timeoutMs?: number
  /** Called with the socket once connected, for tests that write the body themselves. */
  onSocket?: (socket: Socket) => void
}

/** Sends `head` (request line and headers, `\r\n\r\n` included) and reads until the gateway closes. */
export async function rawExchange (url: string, head: string, options: RawOptions = {}): Promise<RawResponse> {
  const { port, hostname } = new URL(url)
  const socket = connect(Number(port), hostname)
  let received = Buffer.alloc(0)
  let bodySent = false
  const sendBody = (): void => {
    if (bodySent || options.body === undefined) return
    bodySent = true
    socket.write(options.body)
  }
  const end = await new Promise<RawResponse['end']>((resolve) => {
    const timer = setTimeout(() => { socket.destroy(); resolve('timeout') }, options.timeoutMs ?? 5000)
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (options.waitForContinue === true && received.toString('latin1').includes(' 100 Continue\r\n')) sendBody()
    })
    socket.on('error', () => { clearTimeout(timer); resolve('reset') })
    socket.on('close', () => { clearTimeout(timer); resolve('closed') })
    socket.write(head)
    if (options.waitForContinue !== true) sendBody()
    options.onSocket?.(socket)
  })
  return parseResponses(received.toString('utf8'), end)
}

/** The responses in `text` as received so far: interim statuses, then the final one's head and body. */
export function parseResponses (text: string, end: RawResponse['end']): RawResponse {
  const statuses: number[] = []
  let rest = text
  let headers: Record<string, string> = {}
  let body = ''
  for (;;) {
    const match = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/.exec(rest)
    if (match === null) break
    statuses.push(Number(match[1]))
    const headEnd = rest.indexOf('\r\n\r\n')
    if (headEnd < 0) break
    headers = {}
    for (const line of rest.slice(match[0].length, headEnd).split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    rest = rest.slice(headEnd + 4)
    if (Number(match[1]) >= 200) {
      body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest.slice(0, Number(headers['content-length'] ?? rest.length))
      break
    }
  }
  return { statuses, headers, body, text, end }
}

function dechunk (text: string): string {
  let out = ''
  let rest = text
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    if (lineEnd < 0) return out
    const size = parseInt(rest.slice(0, lineEnd), 16)
    if (!(size > 0)) return out
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 2 + size + 2)
  }
}

/** A request head for `rawExchange`. */
export function requestHead (method: string, target: string, headers: Record<string, string | number>): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return lines.join('\r\n') + '\r\n\r\n'
}
