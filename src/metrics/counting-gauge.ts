// Edge. A prom-client Gauge for "how many right now" counts that change twice per request: the
// counts live in a SeriesMap and are copied into the gauge when it is scraped (its collect hook).
// prom-client's own inc/dec hash and validate the label object on every call.

import { Gauge } from 'prom-client'
import type { GaugeConfiguration, LabelValues } from 'prom-client'
import { SeriesMap } from './series-map.js'

export class CountingGauge<L extends string> {
  readonly gauge: Gauge<L>
  readonly #counts: SeriesMap<{ labels: LabelValues<L>; value: number }>

  constructor (config: GaugeConfiguration<L>) {
    this.#counts = new SeriesMap(config.labelNames ?? [])
    const counts = this.#counts
    this.gauge = new Gauge({
      ...config,
      collect () {
        for (const entry of counts.values()) this.set(entry.labels, entry.value)
      }
    })
  }

  /** `labels` is kept for the series: pass a literal, never an object mutated later. */
  inc (labels: LabelValues<L>): void {
    this.#add(labels, 1)
  }

  dec (labels: LabelValues<L>): void {
    this.#add(labels, -1)
  }

  #add (labels: LabelValues<L>, delta: number): void {
    const entry = this.#counts.get(labels)
    if (entry === undefined) this.#counts.add(labels, { labels, value: delta })
    else entry.value += delta
  }
}
