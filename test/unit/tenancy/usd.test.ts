import { test } from 'node:test'
import assert from 'node:assert/strict'
import { picoToUsdText, usdToPico, usedRatio } from '../../../src/tenancy/usd.js'

const PARSE: Array<[number | string, bigint | null]> = [
  [200, 200_000_000_000_000n],
  ['200', 200_000_000_000_000n],
  [0.0015, 1_500_000_000n],
  ['0.000000000001', 1n],
  [1e-7, 100_000n],
  [3000.5, 3_000_500_000_000_000n],
  ['0.0000000000001', null],
  [-1, null],
  ['1e3', null],
  [Number.NaN, null],
  ['', null]
]
for (const [input, expected] of PARSE) {
  test(`usdToPico(${JSON.stringify(input)}) = ${String(expected)}`, () => assert.equal(usdToPico(input), expected))
}

const FORMAT: Array<[bigint, string]> = [[0n, '0'], [1n, '0.000000000001'], [1_500_000_000n, '0.0015'], [200_000_000_000_000n, '200'], [-4_500_000_000n, '-0.0045']]
for (const [pico, text] of FORMAT) {
  test(`picoToUsdText(${pico}) = ${text}`, () => assert.equal(picoToUsdText(pico), text))
}

test('usedRatio is exact to six decimals and 0 for no limit', () => {
  assert.equal(usedRatio(900n, 1000n), 0.9)
  assert.equal(usedRatio(1n, 3n), 0.333333)
  assert.equal(usedRatio(2000n, 1000n), 2)
  assert.equal(usedRatio(5n, 0n), 0)
})
