// The anthropic-ratelimit-* headers every Messages answer carries: generous fixed limits, and a
// reset time (RFC 3339) formatted at most once per second.

export type HeaderList = ReadonlyArray<readonly [string, string]>

const LIMITS: HeaderList = [
  ['anthropic-ratelimit-requests-limit', '4000'],
  ['anthropic-ratelimit-requests-remaining', '3999'],
  ['anthropic-ratelimit-tokens-limit', '2000000'],
  ['anthropic-ratelimit-tokens-remaining', '2000000'],
  ['anthropic-ratelimit-input-tokens-limit', '2000000'],
  ['anthropic-ratelimit-output-tokens-limit', '400000']
]

/** A function from the current time to the headers, reformatting the reset time once a second. */
export function cachedRateLimitHeaders (): (nowMs: number) => HeaderList {
  let cachedSecond = -1
  let cached: HeaderList = LIMITS
  return function rateLimitHeaders (nowMs: number): HeaderList {
    const second = Math.floor(nowMs / 1000)
    if (second !== cachedSecond) {
      const reset = new Date((second + 60) * 1000).toISOString().replace('.000Z', 'Z')
      cached = [...LIMITS, ['anthropic-ratelimit-requests-reset', reset], ['anthropic-ratelimit-tokens-reset', reset]]
      cachedSecond = second
    }
    return cached
  }
}
