// Edge. A prom-client Counter whose request-path increments are buffered: an increment is a
// SeriesMap lookup of the label values, and prom-client receives the sums when it is scraped (the
// counter's collect hook flushes). prom-client's own `inc` validates and hashes the label object on
// every call, which made the metrics the largest part of the gateway's own CPU per request.

import { Counter } from 'prom-client'
import type { CounterConfiguration, LabelValues } from 'prom-client'
import { SeriesMap } from './series-map.js'

interface Pending<L extends string> {
  labels: LabelValues<L>
  value: number
  /** The series exists in prom-client (a 0 increment still creates it, once). */
  flushed: boolean
}

export class BufferedCounter<L extends string> {
  readonly counter: Counter<L>
  readonly #pending: SeriesMap<Pending<L>>

  constructor (config: CounterConfiguration<L>) {
    this.#pending = new SeriesMap(config.labelNames ?? [])
    this.counter = new Counter({ ...config, collect: () => { this.flush() } })
  }

  /** `labels` is kept for the series' first flush: pass a literal, never an object mutated later. */
  inc (labels: LabelValues<L>, value = 1): void {
    // Checked here, as prom-client would: a bad value must not surface later and break a scrape.
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`counter increment must be a finite number ≥ 0, got ${value}`)
    const entry = this.#pending.get(labels)
    if (entry === undefined) this.#pending.add(labels, { labels, value, flushed: false })
    else entry.value += value
  }

  /** The counter's values, buffered increments included. */
  async get (): ReturnType<Counter<L>['get']> {
    return await this.counter.get()
  }

  flush (): void {
    for (const entry of this.#pending.values()) {
      if (entry.flushed && entry.value === 0) continue
      this.counter.inc(entry.labels, entry.value)
      entry.value = 0
      entry.flushed = true
    }
  }
}
