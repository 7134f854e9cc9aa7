import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { BufferedCounter } from '../../../src/metrics/buffered-counter.js'
import { CountingGauge } from '../../../src/metrics/counting-gauge.js'
import { SeriesMap } from '../../../src/metrics/series-map.js'

function counterOn (registry: Registry): BufferedCounter<'model' | 'kind'> {
  return new BufferedCounter({ name: 'test_total', help: 'h', labelNames: ['model', 'kind'] as const, registers: [registry] })
}

const seriesLines = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('test_total{'))

test('buffered increments reach the exposition at scrape time, summed per series, never twice', async () => {
  const registry = new Registry()
  const counter = counterOn(registry)
  counter.inc({ model: 'a', kind: 'x' })
  counter.inc({ model: 'a', kind: 'x' }, 2.5)
  counter.inc({ model: 'b', kind: 'x' }, 1)
  assert.deepEqual(seriesLines(await registry.metrics()), ['test_total{model="a",kind="x"} 3.5', 'test_total{model="b",kind="x"} 1'])
  counter.inc({ model: 'a', kind: 'x' }, 1)
  assert.deepEqual(seriesLines(await registry.metrics()), ['test_total{model="a",kind="x"} 4.5', 'test_total{model="b",kind="x"} 1'])
  assert.deepEqual(seriesLines(await registry.metrics()), ['test_total{model="a",kind="x"} 4.5', 'test_total{model="b",kind="x"} 1'])
})

test('a zero increment creates the series (rate() then sees the first real one)', async () => {
  const registry = new Registry()
  counterOn(registry).inc({ model: 'a', kind: 'y' }, 0)
  assert.deepEqual(seriesLines(await registry.metrics()), ['test_total{model="a",kind="y"} 0'])
})

test('label values that only differ in where a separator would fall stay apart', async () => {
  const registry = new Registry()
  const counter = counterOn(registry)
  counter.inc({ model: 'a', kind: 'bc' })
  counter.inc({ model: 'ab', kind: 'c' })
  assert.equal(seriesLines(await registry.metrics()).length, 2)
})

test('a bad value throws at the increment, not later at the scrape', async () => {
  const registry = new Registry()
  const counter = counterOn(registry)
  for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) assert.throws(() => counter.inc({ model: 'a', kind: 'x' }, bad), TypeError)
  counter.inc({ model: 'a', kind: 'x' }, 1)
  assert.deepEqual(seriesLines(await registry.metrics()), ['test_total{model="a",kind="x"} 1'])
})

test('get() includes what is still buffered', async () => {
  const counter = counterOn(new Registry())
  counter.inc({ model: 'a', kind: 'x' }, 7)
  assert.equal((await counter.get()).values[0]?.value, 7)
})

test('a counting gauge exports its current counts at scrape time', async () => {
  const registry = new Registry()
  const gauge = new CountingGauge({ name: 'test_inflight', help: 'h', labelNames: ['route'] as const, registers: [registry] })
  gauge.inc({ route: 'a' })
  gauge.inc({ route: 'a' })
  gauge.inc({ route: 'b' })
  gauge.dec({ route: 'a' })
  const lines = (await registry.metrics()).split('\n').filter((line) => line.startsWith('test_inflight{'))
  assert.deepEqual(lines, ['test_inflight{route="a"} 1', 'test_inflight{route="b"} 1'])
  gauge.dec({ route: 'b' })
  assert.match(await registry.metrics(), /^test_inflight\{route="b"\} 0$/m)
})

test('a series map tells label sets apart whatever characters their values hold', () => {
  const pairs: Array<[Record<string, string>, Record<string, string>]> = [
    [{ a: 'x\u0001', b: 'y' }, { a: 'x', b: '\u0001y' }],
    [{ a: '1:x', b: '' }, { a: '1', b: 'x' }],
    [{ a: 'ab', b: 'c' }, { a: 'a', b: 'bc' }]
  ]
  for (const [left, right] of pairs) {
    const series = new SeriesMap<string>(['a', 'b'])
    series.add(left, 'left')
    assert.equal(series.get(right), undefined, `${JSON.stringify(left)} vs ${JSON.stringify(right)}`)
    series.add(right, 'right')
    assert.equal(series.get(left), 'left')
    assert.equal(series.get(right), 'right')
    assert.deepEqual(series.values(), ['left', 'right'])
  }
})

test('a series map finds a label set whatever order its object lists the labels in', () => {
  const series = new SeriesMap<number>(['a', 'b', 'c'])
  series.add({ a: 'x', b: 'y', c: 'z' }, 1)
  assert.equal(series.get({ c: 'z', b: 'y', a: 'x' }), 1)
  assert.equal(series.get({ a: 'x', b: 'y', c: 'other' }), undefined)
  assert.equal(series.get({ a: 'other', b: 'y', c: 'z' }), undefined)
})

test('a series map without labels holds its one series', () => {
  const series = new SeriesMap<number>([])
  assert.equal(series.get({}), undefined)
  series.add({}, 5)
  assert.equal(series.get({}), 5)
  series.clear()
  assert.equal(series.get({}), undefined)
  assert.deepEqual(series.values(), [])
})
