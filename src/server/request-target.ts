// Pure. The request target the gateway routes and forwards: origin-form only (`/path?query`), and
// never with a dot-segment. An absolute-form target (`GET http://host/v1/models`, which proxies
// send and Node passes through as it is) becomes its origin-form; a `.` or `..` segment, whether
// written out, percent-encoded (`%2e%2E`), hidden behind an encoded slash (`..%2f`) or a
// backslash, is refused rather than resolved: the upstream URL may carry a base path, and an
// upstream or a proxy in between that resolves them would let `/v1/../../internal` out of it.

/** The origin-form target, or null when it must be refused. */
export function originFormTarget (url: string): string | null {
  // The usual target (`/v1/messages`, `/v1/messages?beta=true`) has nothing to look at: no allocation.
  if (url.charCodeAt(0) === 47 /* / */ && url.indexOf('.') < 0 && url.indexOf('%') < 0 && url.indexOf('\\') < 0) return url
  let target = url
  if (url.charCodeAt(0) !== 47) {
    const match = /^https?:\/\/[^/?#]*/i.exec(url)
    if (match === null) return null // authority-form, asterisk-form, garbage
    target = url.slice(match[0].length)
    if (target === '' || target.charCodeAt(0) === 63 /* ? */) target = '/' + target
  }
  const queryAt = target.indexOf('?')
  const path = queryAt < 0 ? target : target.slice(0, queryAt)
  if (path.indexOf('.') < 0 && path.indexOf('%') < 0 && path.indexOf('\\') < 0) return target
  return hasDotSegment(path) ? null : target
}

/** Percent-decodes up to three times (double encoding included); undecodable counts as a dot-segment. */
function hasDotSegment (path: string): boolean {
  let decoded = path
  for (let round = 0; round < 3; round++) {
    if (splitHasDots(decoded)) return true
    if (decoded.indexOf('%') < 0) return false
    try {
      decoded = decodeURIComponent(decoded)
    } catch {
      return true
    }
  }
  return splitHasDots(decoded) || decoded.indexOf('%') >= 0
}

function splitHasDots (path: string): boolean {
  for (const segment of path.split(/[/\\]/)) {
    if (segment === '.' || segment === '..') return true
  }
  return false
}
