// Pure. Exact USD amounts as integer pico-USD (1e-12 USD), the unit cost metrics are priced in:
// budgets from the policy file are parsed from their decimal text, never through float arithmetic.

const PICO_PER_USD = 1_000_000_000_000n

/**
 * A decimal USD amount (number or string, up to 12 decimals) as pico-USD; null when it is not one.
 *
 * @example usdToPico(200) // 200_000_000_000_000n
 * @example usdToPico('0.0015') // 1_500_000_000n
 */
export function usdToPico (amount: number | string): bigint | null {
  const text = typeof amount === 'number' ? numberText(amount) : amount.trim()
  if (text === null) return null
  const match = /^(\d+)(?:\.(\d{1,12}))?$/.exec(text)
  if (match === null) return null
  const whole = BigInt(match[1] as string)
  const fraction = BigInt((match[2] ?? '').padEnd(12, '0'))
  return whole * PICO_PER_USD + fraction
}

/** A finite non-negative number in plain decimal notation (no exponent), or null. */
function numberText (value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return null
  // toString writes 1e-7 for small amounts; toFixed(12) is exact enough for 12 decimals and trims below.
  const text = value.toString()
  if (!/e/i.test(text)) return text
  return value.toFixed(12).replace(/\.?0+$/, '')
}

/**
 * Pico-USD as a decimal USD string with up to 12 decimals, trailing zeros trimmed (JSON-safe, exact).
 *
 * @example picoToUsdText(1_500_000_000n) // '0.0015'
 */
export function picoToUsdText (pico: bigint): string {
  const negative = pico < 0n
  const magnitude = negative ? -pico : pico
  const whole = magnitude / PICO_PER_USD
  const fraction = (magnitude % PICO_PER_USD).toString().padStart(12, '0').replace(/0+$/, '')
  return (negative ? '-' : '') + whole.toString() + (fraction === '' ? '' : '.' + fraction)
}

/** used / limit as a float ratio (for gauges and thresholds); exact enough, as both are integers. */
export function usedRatio (used: bigint, limit: bigint): number {
  if (limit <= 0n) return 0
  // Scaled integer division keeps six decimals exact before the one float conversion.
  return Number((used * 1_000_000n) / limit) / 1_000_000
}
