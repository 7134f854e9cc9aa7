// A small Files API: a multipart upload is streamed in and kept as received (size_bytes = the bytes
// received, so a proxy test can check nothing was lost); metadata, list, content (binary), delete.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NewId } from './ids.js'
import { paginate } from './page.js'
import { sendError, sendJson } from './send.js'

interface FileObject { id: string; type: 'file'; filename: string; mime_type: string; size_bytes: number; created_at: string; downloadable: boolean }
interface StoredFile { meta: FileObject; chunks: Buffer[] }

export interface UploadAnswer { status: number; json: string; bytes: number }

function partHeader (head: string, pattern: RegExp): string | undefined {
  return pattern.exec(head)?.[1]
}

export function createFiles (newId: NewId) {
  const files = new Map<string, StoredFile>()

  /** POST /v1/files: reads the body as it streams in, never holding it in one buffer. */
  async function upload (req: IncomingMessage, requestId: string): Promise<UploadAnswer> {
    const chunks: Buffer[] = []
    let bytes = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      bytes += chunk.length
    }
    const contentType = req.headers['content-type'] ?? ''
    if (!contentType.startsWith('multipart/form-data')) {
      return { status: 400, json: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'Content-Type must be multipart/form-data' }, request_id: requestId }), bytes }
    }
    const head = (chunks[0] ?? Buffer.alloc(0)).subarray(0, 4096).toString('latin1')
    const meta: FileObject = {
      id: newId('file_'),
      type: 'file',
      filename: partHeader(head, /filename="([^"]*)"/i) ?? 'upload.bin',
      mime_type: partHeader(head, /\r\ncontent-type:\s*([^\r\n;]+)/i) ?? 'application/octet-stream',
      size_bytes: bytes,
      created_at: new Date().toISOString(),
      downloadable: true
    }
    files.set(meta.id, { meta, chunks })
    return { status: 200, json: JSON.stringify(meta), bytes }
  }

  /** GET/DELETE under /v1/files; `path` has no query. */
  function handle (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, requestId: string): void {
    const [, , id, action, extra] = path.split('/').filter(Boolean) // v1 files :id content
    const method = req.method ?? 'GET'
    if (id === undefined) {
      if (method === 'GET') return sendJson(res, 200, JSON.stringify(paginate([...files.values()].map((f) => f.meta).reverse(), query)))
      return sendError(res, 404, requestId)
    }
    const file = files.get(id)
    if (file === undefined || extra !== undefined) return sendError(res, 404, requestId, `File not found: ${id}`)
    if (method === 'GET' && action === 'content') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.meta.size_bytes) })
      for (const chunk of file.chunks) res.write(chunk)
      res.end()
      return
    }
    if (method === 'GET' && action === undefined) return sendJson(res, 200, JSON.stringify(file.meta))
    if (method === 'DELETE' && action === undefined) {
      files.delete(id)
      return sendJson(res, 200, JSON.stringify({ id, type: 'file_deleted' }))
    }
    sendError(res, 404, requestId)
  }

  return { upload, handle }
}
