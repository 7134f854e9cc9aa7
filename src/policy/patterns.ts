// Pure. Turns the policy's globs and regexes into RegExp objects, once, at compile time, never per
// request.

import type { CompiledPattern } from './types.js'

/**
 * Globs match the whole string. `*` is any run of characters (including none), `?` exactly one
 * character; every other character is literal (so `.` and `[` mean themselves). A list matches
 * when any of its globs does. Case-sensitive, like model ids and header values.
 *
 * @example compileGlobs(['claude-sonnet-4-5*']).regex.test('claude-sonnet-4-5-20250929') // true
 */
export function compileGlobs (globs: readonly string[]): CompiledPattern {
  const alternatives = globs.map(globToRegexSource)
  return { source: globs.join(', '), regex: new RegExp(`^(?:${alternatives.join('|')})$`, 's') }
}

function globToRegexSource (glob: string): string {
  let out = ''
  for (const char of glob) {
    if (char === '*') out += out.endsWith('.*') ? '' : '.*'
    else if (char === '?') out += '.'
    else out += char.replace(/[\\^$.|+()[\]{}*?]/g, '\\$&')
  }
  return out
}

/** Inline flag groups accepted at the start of a pattern, as in RE2/PCRE: `(?i)`, `(?is)`, … */
const INLINE_FLAGS = /^\(\?([ims]+)\)/

/**
 * Compiles a `system_matches` regex (JavaScript syntax). A leading `(?i)` (or `(?s)`, `(?m)` and
 * combinations), which JavaScript lacks, becomes the matching RegExp flag. Unanchored: it matches
 * anywhere in the text. Returns an error message instead of throwing.
 *
 * @example compileRegex('(?i)classif|summar') // { source, regex: /classif|summar/i }
 */
export function compileRegex (source: string): CompiledPattern | { error: string } {
  let body = source
  let flags = ''
  const inline = INLINE_FLAGS.exec(source)
  if (inline?.[1] !== undefined) {
    flags = [...new Set(inline[1])].join('')
    body = source.slice(inline[0].length)
  }
  try {
    return { source, regex: new RegExp(body, flags) }
  } catch (err) {
    return { error: `invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` }
  }
}
