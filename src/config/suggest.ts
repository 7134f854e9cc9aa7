// Pure. "Did you mean …?" for unknown keys and model names: the closest candidate by edit distance.

/**
 * The candidate closest to `name`, if it is within `maxDistance` edits (default: 1 for names of up
 * to 4 characters, 2 up to 10, then a fifth of the length).
 *
 * @example suggest('fallbacks', ['model', 'fallback', 'split']) // 'fallback'
 */
export function suggest (name: string, candidates: readonly string[], maxDistance?: number): string | null {
  const limit = maxDistance ?? (name.length <= 4 ? 1 : Math.max(2, Math.floor(name.length / 5)))
  let best: string | null = null
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) { best = candidate; bestDistance = distance }
  }
  return best
}

/** Levenshtein distance, two rows. */
export function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
