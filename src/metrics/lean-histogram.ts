// Edge. A histogram for the request path, exported through the prom-client Registry like any
// prom-client metric (same names, same exposition: the registry formats it), but an observation
// costs a SeriesMap lookup and a bucket search. prom-client's own Histogram validates, copies and
// hashes the label object on every observe, a few microseconds per request for three histograms.

import type { Metric, Registry } from 'prom-client'
import { SeriesMap } from './series-map.js'

interface Series {
  labels: Readonly<Record<string, string>>
  /** Per-bucket (not cumulative) counts; the last slot is above the highest bound (+Inf). */
  counts: number[]
  sum: number
  count: number
}

interface ExportedValue {
  labels: Record<string, string | number>
  sharedLabels: Readonly<Record<string, string>>
  value: number
  metricName: string
}

export interface LeanHistogramConfig<L extends string> {
  name: string
  help: string
  labelNames: readonly L[]
  buckets: readonly number[]
  registers: readonly Registry[]
}

export class LeanHistogram<L extends string> {
  readonly name: string
  readonly help: string
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #bounds: readonly number[]
  readonly #series: SeriesMap<Series>

  constructor (config: LeanHistogramConfig<L>) {
    this.name = config.name
    this.help = config.help
    this.#series = new SeriesMap(config.labelNames)
    this.#bounds = [...config.buckets].sort((a, b) => a - b)
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric)
  }

  /** `labels` is kept for the series: pass a literal, never an object mutated later. */
  observe (labels: Readonly<Record<L, string>>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`histogram observation must be a finite number, got ${value}`)
    let series = this.#series.get(labels)
    if (series === undefined) {
      series = { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 }
      this.#series.add(labels, series)
    }
    let bucket = 0
    while (bucket < this.#bounds.length && value > (this.#bounds[bucket] as number)) bucket++
    series.counts[bucket] = (series.counts[bucket] as number) + 1
    series.sum += value
    series.count++
  }

  /** prom-client's metric shape: cumulative `_bucket` series with `le`, then `_sum` and `_count`. */
  async get (): Promise<{ name: string; help: string; type: 'histogram'; values: ExportedValue[]; aggregator: 'sum' }> {
    const values: ExportedValue[] = []
    for (const series of this.#series.values()) {
      let cumulative = 0
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += series.counts[i] as number
        values.push({ labels: { le: this.#bounds[i] as number }, sharedLabels: series.labels, value: cumulative, metricName: `${this.name}_bucket` })
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_bucket` })
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` })
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset (): void {
    this.#series.clear()
  }
}
