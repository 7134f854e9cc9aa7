import { test } from 'node:test'
import assert from 'node:assert/strict'
import { paginate } from '../../../src/simulator/page.js'

const ITEMS = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }))

test('limit, after_id and before_id page like the Anthropic list endpoints', () => {
  const table: Array<[string, string[], boolean]> = [
    ['', ['a', 'b', 'c', 'd', 'e'], false],
    ['limit=2', ['a', 'b'], true],
    ['limit=5', ['a', 'b', 'c', 'd', 'e'], false],
    ['limit=2&after_id=b', ['c', 'd'], true],
    ['limit=2&after_id=c', ['d', 'e'], false],
    ['after_id=e', [], false],
    ['after_id=zzz', [], false],
    ['limit=2&before_id=e', ['c', 'd'], true],
    ['limit=2&before_id=c', ['a', 'b'], false],
    ['before_id=a', [], false],
    ['limit=0', ['a', 'b', 'c', 'd', 'e'], false],
    ['limit=nonsense', ['a', 'b', 'c', 'd', 'e'], false]
  ]
  for (const [query, ids, hasMore] of table) {
    const page = paginate(ITEMS, new URLSearchParams(query))
    assert.deepEqual(page.data.map((item) => item.id), ids, query)
    assert.equal(page.has_more, hasMore, query)
    assert.equal(page.first_id, ids[0] ?? null, query)
    assert.equal(page.last_id, ids.at(-1) ?? null, query)
  }
})
