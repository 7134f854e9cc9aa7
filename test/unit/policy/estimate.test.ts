import { test } from 'node:test'
import type { ContentBlock } from '../../../src/types/anthropic.js'
import assert from 'node:assert/strict'
import { estimateInputTokens, imageTokens, pdfPages, textTokens } from '../../../src/policy/estimate.js'
import { imageSizeFromBase64 } from '../../../src/policy/image-size.js'
import { request } from './fixtures.js'

const b64 = (bytes: number[] | Buffer): string => Buffer.from(bytes).toString('base64')

/** A PNG signature and IHDR chunk: enough for the size reader. */
function png (width: number, height: number): string {
  const head = Buffer.alloc(33)
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(head, 0)
  head.writeUInt32BE(13, 8)
  head.write('IHDR', 12, 'latin1')
  head.writeUInt32BE(width, 16)
  head.writeUInt32BE(height, 20)
  return b64(head)
}

function gif (width: number, height: number): string {
  const head = Buffer.alloc(13)
  head.write('GIF89a', 0, 'latin1')
  head.writeUInt16LE(width, 6)
  head.writeUInt16LE(height, 8)
  return b64(head)
}

/** SOI, an APP1 (EXIF-like) segment of `padding` bytes, then SOF0 with the size. */
function jpeg (width: number, height: number, padding: number): string {
  const app1 = Buffer.alloc(4 + padding)
  app1.writeUInt16BE(0xffe1, 0)
  app1.writeUInt16BE(2 + padding, 2)
  const sof = Buffer.alloc(19)
  sof.writeUInt16BE(0xffc0, 0)
  sof.writeUInt16BE(17, 2)
  sof.writeUInt8(8, 4)
  sof.writeUInt16BE(height, 5)
  sof.writeUInt16BE(width, 7)
  return b64(Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof]))
}

function webpVp8x (width: number, height: number): string {
  const head = Buffer.alloc(30)
  head.write('RIFF', 0, 'latin1')
  head.write('WEBP', 8, 'latin1')
  head.write('VP8X', 12, 'latin1')
  head.writeUIntLE(width - 1, 24, 3)
  head.writeUIntLE(height - 1, 27, 3)
  return b64(head)
}

const SIZES: Array<{ name: string; data: string; expected: { width: number; height: number } | null }> = [
  { name: 'PNG', data: png(800, 600), expected: { width: 800, height: 600 } },
  { name: 'GIF', data: gif(320, 200), expected: { width: 320, height: 200 } },
  { name: 'JPEG right after SOI', data: jpeg(1024, 768, 0), expected: { width: 1024, height: 768 } },
  { name: 'JPEG after a 60 KB EXIF segment (all offsets, no full decode)', data: jpeg(4000, 3000, 60_000), expected: { width: 4000, height: 3000 } },
  { name: 'JPEG with an odd-length segment', data: jpeg(17, 9, 7), expected: { width: 17, height: 9 } },
  { name: 'WebP VP8X', data: webpVp8x(1920, 1080), expected: { width: 1920, height: 1080 } },
  { name: 'not an image', data: b64(Buffer.from('hello world, not an image at all')), expected: null },
  { name: 'empty', data: '', expected: null },
  { name: 'truncated PNG', data: png(1, 1).slice(0, 12), expected: null },
  { name: 'implausible size', data: png(0, 10), expected: null }
]

for (const row of SIZES) {
  test(`image size: ${row.name}`, () => assert.deepEqual(imageSizeFromBase64(row.data), row.expected))
}

const IMAGE_TOKENS: Array<{ name: string; source: unknown; expected: number }> = [
  { name: '800×600 → 640', source: { type: 'base64', media_type: 'image/png', data: png(800, 600) }, expected: 640 },
  { name: '1092×1092 → 1590 (the docs\' example)', source: { type: 'base64', media_type: 'image/png', data: png(1092, 1092) }, expected: 1590 },
  { name: '200×200 → 54', source: { type: 'base64', media_type: 'image/gif', data: gif(200, 200) }, expected: 54 },
  { name: '4000×3000 is scaled down, then capped', source: { type: 'base64', media_type: 'image/jpeg', data: jpeg(4000, 3000, 10) }, expected: 1600 },
  { name: 'URL source: size unknown → 1600', source: { type: 'url', url: 'https://example.com/x.png' }, expected: 1600 },
  { name: 'file source → 1600', source: { type: 'file', file_id: 'file_1' }, expected: 1600 },
  { name: 'unreadable data → 1600', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' }, expected: 1600 }
]

for (const row of IMAGE_TOKENS) {
  test(`image tokens: ${row.name}`, () => assert.equal(imageTokens(row.source), row.expected))
}

const TEXT: Array<{ name: string; text: string; expected: number }> = [
  { name: 'empty', text: '', expected: 0 },
  { name: 'ASCII at 3.5 chars per token', text: 'x'.repeat(35), expected: 10 },
  { name: 'CJK: one token per character', text: '你好世界', expected: 4 },
  { name: 'other non-ASCII: half a token', text: 'éééé', expected: 2 },
  { name: 'emoji (surrogate pair) is one token', text: '🙂🙂', expected: 2 },
  { name: 'mixed', text: 'abcdefg你好', expected: 4 }
]

for (const row of TEXT) {
  test(`text tokens: ${row.name}`, () => assert.equal(textTokens(row.text), row.expected))
}

function fakePdf (pages: number, extra = ''): string {
  const objects = Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj << /Type /Page /Parent 2 0 R >> endobj`).join('\n')
  return Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Count ${pages} >> endobj\n${objects}\n${extra}%%EOF`).toString('base64')
}

test('pdf pages: counted from /Type /Page objects, /Pages excluded', () => {
  assert.equal(pdfPages(fakePdf(3)), 3)
  assert.equal(pdfPages(fakePdf(1)), 1)
})

test('pdf pages: no page objects (compressed object streams) → one page per 100 KB, at least one', () => {
  assert.equal(pdfPages(Buffer.from('%PDF-1.7 compressed').toString('base64')), 1)
  assert.equal(pdfPages(Buffer.alloc(250_000, 0x41).toString('base64')), 3)
})

const REQUESTS: Array<{ name: string; body: ReturnType<typeof request>; expected: number }> = [
  { name: 'one short user message: 8 + 4 + 5/3.5', body: request(), expected: 14 },
  { name: 'system string adds its text', body: request({ system: 'x'.repeat(350) }), expected: 114 },
  { name: 'system blocks add their text and framing', body: request({ system: [{ type: 'text', text: 'x'.repeat(350) }] }), expected: 117 },
  { name: 'tools add their JSON and the auto tool prompt (346)', body: request({ tools: [{ name: 'get', input_schema: { type: 'object' } } as unknown as ContentBlock] }), expected: 14 + 346 + Math.ceil(JSON.stringify([{ name: 'get', input_schema: { type: 'object' } } as unknown as ContentBlock]).length / 3.5) },
  { name: 'forced tool choice costs 313 instead', body: request({ tools: [{ name: 'get', input_schema: { type: 'object' } } as unknown as ContentBlock], tool_choice: { type: 'any' } }), expected: 14 + 313 + Math.ceil(JSON.stringify([{ name: 'get', input_schema: { type: 'object' } } as unknown as ContentBlock]).length / 3.5) },
  { name: 'an 800×600 image in a tool_result: 640 + framing', body: request({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(800, 600) } }] }] }] }), expected: 8 + 4 + 3 + 3 + 640 },
  { name: 'a 2-page PDF: 7000 + framing', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: fakePdf(2) } }] }] }), expected: 8 + 4 + 3 + 7000 },
  { name: 'a text document counts its text', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x'.repeat(700) } }] }] }), expected: 8 + 4 + 3 + 200 },
  { name: 'a URL document counts 10,000', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] }] }), expected: 8 + 4 + 3 + 10_000 },
  { name: 'count_tokens body without max_tokens', body: { model: 'm', messages: [{ role: 'user', content: 'Hello' }] }, expected: 14 }
]

for (const row of REQUESTS) {
  test(`estimate: ${row.name}`, () => assert.equal(estimateInputTokens(row.body), row.expected))
}

test('estimate counts every part of a tool-use conversation', () => {
  const base = request({ messages: [{ role: 'user', content: 'go' }] })
  const conversation = request({
    messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'x'.repeat(350), signature: 's' }, { type: 'tool_use', id: 't', name: 'search', input: { q: 'y'.repeat(350) } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'z'.repeat(350) }] }
    ]
  })
  assert.ok(estimateInputTokens(conversation) - estimateInputTokens(base) > 300)
})
