// Pure. The Map key of one label set, for the request-path metrics that keep their own series.
// Each value is written behind its length, so no value (whatever characters it holds) can make
// two different label sets share a key.

export function seriesKey (labelNames: readonly string[], labels: Readonly<Partial<Record<string, string | number>>>): string {
  let key = ''
  for (const name of labelNames) {
    const value = String(labels[name])
    key += value.length + ':' + value
  }
  return key
}
