// Edge. The gateway's own upstream Anthropic key for a gateway-key request (environment variable
// or secrets file, per tenant if the policy says so), written in the header style the client used,
// so both API versions keep working: x-api-key for x-api-key, Authorization: Bearer for Bearer.
// The client's credential never goes upstream.

import { readFileSync } from 'node:fs'
import type { SecretRef } from '../config/types.js'
import type { HeaderMap } from '../upstream/headers.js'
import { headerValue } from '../upstream/headers.js'

/** Secrets files are read again after this long (a rotated file is picked up without a restart). */
const FILE_TTL_MS = 60_000

export interface SecretReader {
  read (ref: SecretRef): string | null
}

export function createSecretReader (env: Readonly<Record<string, string | undefined>>, now: () => number = Date.now): SecretReader {
  const files = new Map<string, { value: string | null; readAtMs: number }>()
  return {
    read (ref) {
      if (ref.kind === 'env') {
        const value = env[ref.name]?.trim()
        return value === undefined || value === '' ? null : value
      }
      const cached = files.get(ref.path)
      if (cached !== undefined && now() - cached.readAtMs < FILE_TTL_MS) return cached.value
      let value: string | null
      try {
        value = readFileSync(ref.path, 'utf8').trim() || null
      } catch {
        value = null
      }
      files.set(ref.path, { value, readAtMs: now() })
      return value
    }
  }
}

/** Replaces the client's credential headers with `upstreamKey`, in the client's style. Mutates `headers`. */
export function replaceCredential (headers: HeaderMap, upstreamKey: string): void {
  const usedApiKey = headerValue(headers, 'x-api-key') !== undefined
  if (usedApiKey) {
    headers['x-api-key'] = upstreamKey
    delete headers.authorization
  } else {
    headers.authorization = `Bearer ${upstreamKey}`
    delete headers['x-api-key']
  }
}

export function describeSecret (ref: SecretRef): string {
  return ref.kind === 'env' ? `environment variable ${ref.name}` : `file ${ref.path}`
}
