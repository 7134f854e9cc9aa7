// Pure. The policy file's units: durations (`500ms`, `10s`, `10m`, `1h`) and byte sizes (`16KiB`,
// `1MiB`, or a plain integer of bytes).

const DURATION = /^(\d+)(ms|s|m|h)$/
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

const SIZE = /^(\d+)(B|KB|KiB|MB|MiB|GB|GiB)$/
const SIZE_BYTES: Record<string, number> = {
  B: 1, KB: 1000, KiB: 1024, MB: 1000 ** 2, MiB: 1024 ** 2, GB: 1000 ** 3, GiB: 1024 ** 3
}

/** @example parseDurationMs('10m') // 600000; parseDurationMs('ten') // null */
export function parseDurationMs (value: unknown): number | null {
  if (typeof value !== 'string') return null
  const match = DURATION.exec(value.trim())
  if (match === null) return null
  const unit = DURATION_MS[match[2] ?? '']
  return unit === undefined ? null : Number(match[1]) * unit
}

/** @example parseSizeBytes('1MiB') // 1048576; parseSizeBytes(4096) // 4096 */
export function parseSizeBytes (value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null
  if (typeof value !== 'string') return null
  const match = SIZE.exec(value.trim())
  if (match === null) return null
  const unit = SIZE_BYTES[match[2] ?? '']
  return unit === undefined ? null : Number(match[1]) * unit
}

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$'
export const SIZE_PATTERN = '^[0-9]+(B|KB|KiB|MB|MiB|GB|GiB)$'
