import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rewriteResultsUrls } from '../../../src/server/results-url.js'

test('points a batch results_url at the gateway, keeping path and query', () => {
  const batch = { id: 'msgbatch_1', results_url: 'https://api.anthropic.com/v1/messages/batches/msgbatch_1/results?x=1' }
  assert.deepEqual(rewriteResultsUrls(batch, 'http://gw:8080/'), { id: 'msgbatch_1', results_url: 'http://gw:8080/v1/messages/batches/msgbatch_1/results?x=1' })
})

test('rewrites every batch of a list page and leaves null results_url alone', () => {
  const page = { data: [{ id: 'a', results_url: null }, { id: 'b', results_url: 'http://127.0.0.1:4010/v1/messages/batches/b/results' }], has_more: false }
  assert.deepEqual(rewriteResultsUrls(page, 'https://gw.example.com'), {
    data: [{ id: 'a', results_url: null }, { id: 'b', results_url: 'https://gw.example.com/v1/messages/batches/b/results' }], has_more: false
  })
})
