// Pure. Narrows the parsed YAML (`unknown`) field by field, collecting every issue with its path
// (`routes[2].match.system_matches: …`) instead of stopping at the first one.

import type { ConfigIssue } from './issues.js'
import { KEY_HINTS, keysOf } from './schema.js'
import type { ObjectKind } from './schema.js'
import { suggest } from './suggest.js'
import { parseDurationMs, parseSizeBytes } from './units.js'
import { isRecord } from '../types/anthropic.js'
import { redactCredentials } from '../redact.js'

/** `parent.key`, or `parent["odd key"]` when the key is not a plain word. */
export function pathOf (parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`
  const segment = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)
  if (parent === '') return segment
  return segment.startsWith('"') ? `${parent}[${segment}]` : `${parent}.${segment}`
}

/** `routes[2].match.header.x-team` → ['routes', 2, 'match', 'header', 'x-team']; null if it is no path. */
export function parsePath (path: string): Array<string | number> | null {
  const segments: Array<string | number> = []
  const token = /(?:^|\.)([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y
  let index = 0
  while (index < path.length) {
    token.lastIndex = index
    const match = token.exec(path)
    if (match === null) return null
    if (match[1] !== undefined) segments.push(match[1])
    else if (match[2] !== undefined) segments.push(Number(match[2]))
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string)
    index = token.lastIndex
  }
  return segments.length === 0 ? null : segments
}

/** How a YAML value reads to a person, for "got …". */
export function describeValue (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (isRecord(value)) return 'a mapping'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  return `${typeof value} ${String(value)}`
}

export class Checker {
  readonly issues: ConfigIssue[] = []

  add (path: string, message: string): void {
    this.issues.push({ path, message })
  }

  /** A mapping of `kind`; unknown keys are reported with a hint. Undefined stays null silently. */
  object (value: unknown, path: string, kind: ObjectKind): Record<string, unknown> | null {
    if (value === undefined) return null
    if (!isRecord(value)) {
      this.add(path, `must be a mapping, got ${describeValue(value)}`)
      return null
    }
    const allowed = keysOf(kind)
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(pathOf(path, key), unknownKeyMessage(key, kind, allowed))
    }
    return value
  }

  /** A mapping with free keys (header maps, split weights). */
  map (value: unknown, path: string): Record<string, unknown> | null {
    if (value === undefined) return null
    if (!isRecord(value)) {
      this.add(path, `must be a mapping, got ${describeValue(value)}`)
      return null
    }
    return value
  }

  array (value: unknown, path: string): unknown[] | null {
    if (value === undefined) return null
    if (!Array.isArray(value)) {
      this.add(path, `must be a list, got ${describeValue(value)}`)
      return null
    }
    return value
  }

  string (value: unknown, path: string, options: { pattern?: RegExp; patternHint?: string } = {}): string | null {
    if (value === undefined) return null
    if (typeof value !== 'string' || value === '') {
      this.add(path, `must be a non-empty string, got ${describeValue(value)}`)
      return null
    }
    if (options.pattern !== undefined && !options.pattern.test(value)) {
      this.add(path, `${JSON.stringify(value)} ${options.patternHint ?? `must match ${String(options.pattern)}`}`)
      return null
    }
    return value
  }

  boolean (value: unknown, path: string): boolean | null {
    if (value === undefined) return null
    if (typeof value !== 'boolean') {
      this.add(path, `must be true or false, got ${describeValue(value)}`)
      return null
    }
    return value
  }

  integer (value: unknown, path: string, min: number): number | null {
    if (value === undefined) return null
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      this.add(path, `must be an integer ≥ ${min}, got ${describeValue(value)}`)
      return null
    }
    return value
  }

  number (value: unknown, path: string, min: number, max = Number.POSITIVE_INFINITY): number | null {
    if (value === undefined) return null
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.add(path, `must be a number ${Number.isFinite(max) ? `from ${min} to ${max}` : `≥ ${min}`}, got ${describeValue(value)}`)
      return null
    }
    return value
  }

  oneOf<T extends string> (value: unknown, path: string, allowed: readonly T[]): T | null {
    if (value === undefined) return null
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.add(path, `must be one of ${allowed.join(', ')}, got ${describeValue(value)}`)
      return null
    }
    return value as T
  }

  durationMs (value: unknown, path: string): number | null {
    if (value === undefined) return null
    const ms = parseDurationMs(value)
    if (ms === null) this.add(path, `must be a duration such as 500ms, 10s, 10m or 1h, got ${describeValue(value)}`)
    return ms
  }

  sizeBytes (value: unknown, path: string): number | null {
    if (value === undefined) return null
    const bytes = parseSizeBytes(value)
    if (bytes === null) this.add(path, `must be a size such as 16KiB, 1MiB or a number of bytes, got ${describeValue(value)}`)
    return bytes
  }

  /** A glob or a non-empty list of globs. */
  globs (value: unknown, path: string): string[] | null {
    if (value === undefined) return null
    if (typeof value === 'string') return [value]
    if (Array.isArray(value) && value.length > 0 && value.every((one) => typeof one === 'string')) return value as string[]
    this.add(path, `must be a glob or a non-empty list of globs, got ${describeValue(value)}`)
    return null
  }

  url (value: unknown, path: string): string | null {
    const text = this.string(value, path)
    if (text === null) return null
    let url: URL
    try {
      url = new URL(text)
    } catch {
      this.add(path, `${redactCredentials(JSON.stringify(text))} is not an absolute URL`)
      return null
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.add(path, `${redactCredentials(JSON.stringify(text))} must be an http(s) URL`)
      return null
    }
    return text.replace(/\/+$/, '')
  }
}

function unknownKeyMessage (key: string, kind: ObjectKind, allowed: readonly string[]): string {
  const hint = KEY_HINTS[kind][key]
  if (hint !== undefined) return `unknown key "${key}"; did you mean ${hint}?`
  const near = suggest(key, allowed)
  if (near !== null) return `unknown key "${key}"; did you mean ${near}?`
  return `unknown key "${key}" (allowed: ${allowed.join(', ')})`
}
