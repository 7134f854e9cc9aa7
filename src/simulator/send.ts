// Writing a JSON answer or an Anthropic error envelope on a node:http response.

import type { ServerResponse } from 'node:http'
import { errorBody } from './errors.js'

export function sendJson (res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(json)
}

export function sendError (res: ServerResponse, status: number, requestId: string, message?: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, errorBody(status, requestId, message), headers)
}
