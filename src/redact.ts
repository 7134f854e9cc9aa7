// Pure. The one place credentials written into URLs are hidden before any text leaves the process
// (/readyz, logs, the start-up summary and start-up errors): an upstream or Redis URL may carry a
// password (`https://user:secret@proxy`, `redis://:secret@host`) or a token as its user name.

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/\s?#"'<>]*)@/gi

/**
 * Every `scheme://userinfo@` in free text (an error message, a config issue) with its user name
 * and password masked; the rest as written.
 *
 * @example redactCredentials('redis://app:s3cret@cache:6379/0') // 'redis://***:***@cache:6379/0'
 * @example redactCredentials('upstream https://tok@proxy failed') // 'upstream https://***@proxy failed'
 */
export function redactCredentials (text: string): string {
  if (!text.includes('@')) return text
  return text.replace(USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':')
    if (colon === -1) return scheme + '***@'
    return scheme + (colon === 0 ? '' : '***') + ':***@'
  })
}

/**
 * One URL for display: credentials masked, the rest as written; a value that does not parse as a
 * URL is not echoed at all (it may be a secret pasted in the wrong place).
 *
 * @example redactUrl('https://user:s3cret@proxy:8443/anthropic') // 'https://***:***@proxy:8443/anthropic'
 */
export function redactUrl (raw: string): string {
  try {
    void new URL(raw)
  } catch {
    return '(unparsable URL)'
  }
  return redactCredentials(raw)
}
