// Pure. Constant-time check of an `Authorization: Bearer <token>` header, shared by /metrics
// (METRICS_TOKEN) and the admin surfaces (ADMIN_TOKEN).

import { timingSafeEqual } from 'node:crypto'

export function bearerTokenMatches (header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header)
  if (match?.[1] === undefined) return false
  const given = Buffer.from(match[1])
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
