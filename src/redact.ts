// Pure. The one function that hides credentials written into URLs before any text leaves the
// process (/readyz, logs, start-up lines, errors): an upstream or Redis URL may carry a password
// (`https://user:secret@proxy`, `redis://:secret@host`) or a token as its user name.

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/\s?#"'<>]*)@/gi

/**
 * Every `scheme://userinfo@` in `text` with its secret part masked: the user name stays when a
 * password follows it (useful to tell which account), a lone userinfo is masked whole (it may be
 * a token).
 *
 * @example redactCredentials('redis://app:s3cret@cache:6379/0') // 'redis://app:***@cache:6379/0'
 * @example redactCredentials('upstream https://tok@proxy failed') // 'upstream https://***@proxy failed'
 */
export function redactCredentials (text: string): string {
  if (!text.includes('@')) return text
  return text.replace(USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':')
    return scheme + (colon === -1 ? '***' : userinfo.slice(0, colon) + ':***') + '@'
  })
}
