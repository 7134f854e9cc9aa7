// Edge. Reads a JSON request body into one string, for the routes that parse it (Messages,
// count_tokens, batches, explain). Three limits apply: the route's size limit (413), the global
// budget of bytes held across all requests (503 while full; 413 for a body it could never hold),
// and the server's request timeout (Node answers 408). A refused body is still read to its end
// and thrown away (up to DRAIN_LIMIT_BYTES) before the answer goes out: closing a connection the
// client is still sending on resets it, and a client that has not read the answer yet loses it
// (the SDKs report a connection error and upload again). The connection stays usable after.

import type { FastifyRequest } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { StringDecoder } from 'node:string_decoder'
import type { ErrorCode } from '../errors.js'
import { GatewayError } from '../errors.js'
import type { BodyBudget } from './body-budget.js'
import { awaitsContinue, sendContinue } from './expect-continue.js'

/** How much of a refused body is read and discarded before the connection is cut instead. */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

/** A body the gateway refused; `drained` = it was read to its end, so the connection can stay open. */
export class RefusedBody extends GatewayError {
  constructor (code: ErrorCode, message: string, readonly drained: boolean) {
    super(code, message)
  }
}

type Done = (err: Error | null, body?: string) => void

/** The content-type parser for `application/json`: `app.addContentTypeParser('application/json', jsonBodyParser(budget))`. */
export function jsonBodyParser (budget: BodyBudget, defaultLimit: number) {
  return function readJsonBody (request: FastifyRequest, payload: IncomingMessage, done: Done): void {
    void new BodyRead(request, payload, request.routeOptions.bodyLimit ?? defaultLimit, budget, done)
  }
}

/** One body being read; its listeners are its bound methods (no closures per request). */
class BodyRead {
  /** A body that came in one chunk (nearly every one) is decoded once at its end. */
  #only: Buffer | null = null
  /**
   * From its second chunk on, a body is decoded as it arrives: joining the text at the end is one
   * copy, where concatenating the bytes and then decoding them held the process ~1.9 s for a 250 MB
   * batch.
   */
  #decoder: StringDecoder | null = null
  readonly #parts: string[] = []
  #received = 0
  #drained = 0
  /** Set once the body is refused: answered when the rest of it has been read. */
  #refusal: GatewayError | null = null
  #settled = false
  readonly #onData = this.onData.bind(this)
  readonly #onEnd = this.onEnd.bind(this)
  readonly #onError = this.onError.bind(this)
  readonly #declared: number

  constructor (
    readonly request: FastifyRequest,
    readonly payload: IncomingMessage,
    readonly limit: number,
    readonly budget: BodyBudget,
    readonly done: Done
  ) {
    const header = request.headers['content-length']
    this.#declared = header === undefined ? Number.NaN : Number(header)
    payload.on('error', this.#onError)
    payload.on('data', this.#onData)
    payload.on('end', this.#onEnd)
    const refusal = this.#declared > limit
      ? this.tooLarge()
      : this.#declared > 0 && !this.reserve(this.#declared) ? this.overBudget(this.#declared) : null
    // A client waiting for `100 Continue` has sent nothing: refuse at once, it need not upload.
    if (refusal === null) sendContinue(payload)
    else if (awaitsContinue(payload)) this.giveUp(refusal)
    else this.refuse(refusal)
  }

  onData (chunk: Buffer): void {
    if (this.#refusal !== null) {
      this.#drained += chunk.length
      // Too much to wait for: answer now and close (the client may see a reset instead).
      if (this.#drained > DRAIN_LIMIT_BYTES) this.giveUp(this.#refusal)
      return
    }
    this.#received += chunk.length
    if (this.#received > this.limit) return this.refuse(this.tooLarge())
    // A body without content-length (chunked) reserves as it arrives.
    const held = this.request.gw.bufferedBytes
    if (this.#received > held && !this.reserve(this.#received - held)) return this.refuse(this.overBudget(this.#received))
    if (this.#decoder === null) {
      if (this.#only === null) { this.#only = chunk; return }
      this.#decoder = new StringDecoder('utf8')
      this.#parts.push(this.#decoder.write(this.#only))
      this.#only = null
    }
    this.#parts.push(this.#decoder.write(chunk))
  }

  onEnd (): void {
    if (this.#refusal !== null) return this.settle(new RefusedBody(this.#refusal.code, this.#refusal.message, true))
    if (this.#decoder === null) return this.settle(null, this.#only?.toString('utf8') ?? '')
    this.#parts.push(this.#decoder.end())
    this.settle(null, this.#parts.join(''))
  }

  onError (err: Error & { statusCode?: number }): void {
    // The client went away mid-body: nobody to answer, but Fastify wants the request settled.
    if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400
    this.settle(err)
  }

  reserve (bytes: number): boolean {
    if (!this.budget.tryTake(bytes)) return false
    this.request.gw.bufferedBytes += bytes
    return true
  }

  refuse (err: GatewayError): void {
    this.#refusal = err
    this.#only = null
    this.#parts.length = 0
    // What was reserved is no longer held: give it back at once, not when the answer is over.
    this.budget.release(this.request.gw.bufferedBytes)
    this.request.gw.bufferedBytes = 0
    const remaining = Number.isNaN(this.#declared) ? 0 : this.#declared - this.#received
    if (remaining > DRAIN_LIMIT_BYTES) this.giveUp(err)
  }

  /** Answers without reading the rest: Fastify closes the connection after the answer. */
  giveUp (err: GatewayError): void {
    this.payload.removeListener('data', this.#onData)
    this.payload.removeListener('end', this.#onEnd)
    this.settle(new RefusedBody(err.code, err.message, false))
  }

  settle (err: Error | null, body?: string): void {
    if (this.#settled) return
    this.#settled = true
    this.done(err, body)
  }

  tooLarge (): GatewayError {
    return new GatewayError('TL_ERR_BODY_TOO_LARGE', `The request body is larger than this endpoint accepts (${this.limit} bytes).`)
  }

  overBudget (bytes: number): GatewayError {
    if (bytes > this.budget.capacity) {
      return new GatewayError('TL_ERR_BODY_TOO_LARGE', `The request body is larger than the gateway can hold in memory (${this.budget.capacity} bytes).`)
    }
    return new GatewayError('TL_ERR_BUSY', 'The gateway is holding as many request bodies as it may; retry shortly.')
  }
}
