// The prompt-cache part of `npm run demo` (scripts/demo-prompt-cache.ts), run in process: the
// naive downgrade moves the session off its warm Opus 5.5 cache and loses money, by its own
// counters; the shipped policy keeps every follow-up on Opus 5.5 and spends less.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { runPromptCacheDemo } from '../../scripts/demo-prompt-cache.js'

test('demo: a naive downgrade loses money both ways; the protected session stays warm and spends less', async () => {
  let text = ''
  const out = new Writable({ write (chunk: Buffer, _encoding, done) { text += chunk.toString(); done() } })
  await runPromptCacheDemo(out)
  const rows = text.split('\n').filter((line) => /^\d\. /.test(line))
  assert.equal(rows.length, 6)
  for (const row of rows.slice(1)) {
    assert.match(row, /claude-sonnet-4-6 \$[\d.]+\s+claude-opus-5-5 \$[\d.]+\s+kept warm: stay \$[\d.]+ vs move \$[\d.]+/)
  }
  const spend = /^spend\s+\$([\d.]+)\s+\$([\d.]+)/m.exec(text)
  assert.ok(spend !== null && Number(spend[1]) > Number(spend[2]), 'the naive run spent more')
  assert.match(text, /turns kept on the warm model\s+0\s+5\s/)
  assert.match(text, /The naive downgrade spent \$[\d.]+ more than keeping the warm model, and its own counters say so: net routing -\$[\d.]+\./)
})
