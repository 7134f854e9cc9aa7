// Pure. Rewrites the `model` of a raw Messages body without re-serialising the rest: the
// client's bytes stay as sent, and a 2 KB body skips a JSON.stringify per request. Refuses (null)
// whenever it cannot be sure it found the top-level key, and the caller serialises instead.

/**
 * The body with its top-level `model` value `from` replaced by `to`, or null when unsure: a `\u`
 * escape anywhere (the key itself could be spelled escaped), a `model` key at more than one place
 * (nested objects, duplicates) or a value spelled other than JSON.stringify spells it.
 *
 * @example replaceModel('{"model":"a","max_tokens":1}', 'a', 'b') // '{"model":"b","max_tokens":1}'
 */
export function replaceModel (raw: string, from: string, to: string): string | null {
  if (raw.includes('\\u')) return null
  let valueAt = -1
  for (let at = raw.indexOf('"model"'); at !== -1; at = raw.indexOf('"model"', at + 7)) {
    const colon = skipSpace(raw, at + 7)
    // Inside a string the quotes would be escaped; a key is preceded by `{` or `,`.
    if (raw[colon] !== ':' || !startsKey(raw, at)) continue
    if (valueAt !== -1) return null
    valueAt = skipSpace(raw, colon + 1)
  }
  if (valueAt === -1) return null
  const encoded = JSON.stringify(from)
  if (!raw.startsWith(encoded, valueAt)) return null
  return raw.slice(0, valueAt) + JSON.stringify(to) + raw.slice(valueAt + encoded.length)
}

function skipSpace (text: string, at: number): number {
  let i = at
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++
  return i
}

function startsKey (text: string, quoteAt: number): boolean {
  let i = quoteAt - 1
  while (i >= 0 && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i--
  return text[i] === '{' || text[i] === ','
}
