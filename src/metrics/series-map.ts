// Pure. The series of one request-path metric, found by their label values: one Map level per
// label, so a lookup builds no key string (a joined key was a string build, a flatten and a hash of
// ~100 characters on every increment) and no two label sets can ever share a series.

type LabelSet = Readonly<Partial<Record<string, string | number>>>

export class SeriesMap<S> {
  readonly #labelNames: readonly string[]
  readonly #root = new Map<string, unknown>()
  readonly #all: S[] = []

  constructor (labelNames: readonly string[]) {
    this.#labelNames = labelNames
  }

  /** The series of `labels`, or undefined the first time those label values are seen. */
  get (labels: LabelSet): S | undefined {
    let level: Map<string, unknown> | undefined = this.#root
    const last = this.#labelNames.length - 1
    for (let i = 0; i < last && level !== undefined; i++) {
      level = level.get(String(labels[this.#labelNames[i] as string])) as Map<string, unknown> | undefined
    }
    return level?.get(this.#leafKey(labels)) as S | undefined
  }

  /** Adds the series of `labels`; call it only after `get` found none. */
  add (labels: LabelSet, series: S): void {
    let level = this.#root
    const last = this.#labelNames.length - 1
    for (let i = 0; i < last; i++) {
      const value = String(labels[this.#labelNames[i] as string])
      let next = level.get(value) as Map<string, unknown> | undefined
      if (next === undefined) {
        next = new Map<string, unknown>()
        level.set(value, next)
      }
      level = next
    }
    level.set(this.#leafKey(labels), series)
    this.#all.push(series)
  }

  #leafKey (labels: LabelSet): string {
    const last = this.#labelNames.length - 1
    return last < 0 ? '' : String(labels[this.#labelNames[last] as string])
  }

  /** Every series, in the order they were first seen. */
  values (): readonly S[] {
    return this.#all
  }

  clear (): void {
    this.#root.clear()
    this.#all.length = 0
  }
}
