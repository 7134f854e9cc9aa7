// Edge. The only file access of the config pipeline: reads the policy file and the model catalog,
// parses the YAML (syntax errors keep their line and column), compiles, and points every issue at
// its line in the file.

import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { LineCounter, parseDocument } from 'yaml'
import type { Document } from 'yaml'
import { parsePath } from './checker.js'
import { compileConfig } from './compile.js'
import type { ConfigIssue } from './issues.js'
import type { RuntimeConfig } from './types.js'

export interface LoadOptions {
  nowMs: number
  envOverrides: { upstreamUrl?: string | undefined }
  /** The shipped catalog unless given. */
  catalogPath?: string
}

export const DEFAULT_CATALOG_PATH = fileURLToPath(new URL('../../config/models.yaml', import.meta.url))

/** Path used for issues about reading the file itself. */
const FILE_PATH = '(file)'

/**
 * @example const loaded = await loadConfig('config/gateway.yaml', { nowMs: Date.now(), envOverrides: {} })
 */
export async function loadConfig (path: string, options: LoadOptions): Promise<{ config: RuntimeConfig } | { issues: ConfigIssue[] }> {
  const policy = await readYaml(path)
  if ('issues' in policy) return policy
  const catalogPath = options.catalogPath ?? DEFAULT_CATALOG_PATH
  const catalog = await readYaml(catalogPath)
  if ('issues' in catalog) return { issues: catalog.issues.map((issue) => ({ path: issue.path, message: `${catalogPath}: ${issue.message}` })) }
  const result = compileConfig(policy.value, catalog.value, { path, nowMs: options.nowMs, envOverrides: options.envOverrides })
  if ('config' in result) return result
  return { issues: result.issues.map((issue) => withLine(issue, policy.document, policy.lines)) }
}

interface ParsedYaml {
  value: unknown
  document: Document
  lines: LineCounter
}

async function readYaml (path: string): Promise<ParsedYaml | { issues: ConfigIssue[] }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return { issues: [{ path: FILE_PATH, message: `cannot read ${path}: ${(err as Error).message}` }] }
  }
  const lines = new LineCounter()
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    return {
      issues: document.errors.map((error) => {
        const at = lines.linePos(error.pos[0])
        return { path: `line ${at.line}, column ${at.col}`, message: `YAML syntax error: ${error.message}` }
      })
    }
  }
  // An empty file (or only comments, or a bare `---`) is what a half-finished write or a
  // truncated ConfigMap looks like: accepting it as "all defaults" would drop every route and
  // point the upstream back at its default. `{}` says "all defaults" on purpose.
  const value = document.toJS({ maxAliasCount: 100 }) as unknown
  if (value === null || value === undefined) return { issues: [{ path: FILE_PATH, message: `${path} holds no YAML document (empty, only comments or null); write \`{}\` for all defaults` }] }
  return { value, document, lines }
}

/** Appends `(line N)` for the deepest part of the issue's path that exists in the file. */
function withLine (issue: ConfigIssue, document: Document, lines: LineCounter): ConfigIssue {
  const segments = parsePath(issue.path)
  if (segments === null) return issue
  for (let length = segments.length; length > 0; length--) {
    const node = document.getIn(segments.slice(0, length), true) as { range?: [number, number, number] } | undefined
    if (node?.range !== undefined) return { path: issue.path, message: `${issue.message} (line ${lines.linePos(node.range[0]).line})` }
  }
  return issue
}
