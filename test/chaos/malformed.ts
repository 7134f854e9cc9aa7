// Pure. A seeded generator of malformed requests: bad JSON of every kind, wrong types, sizes,
// deep nesting, broken encodings, hostile headers and paths, and raw bytes that are not quite
// HTTP. The same seed gives the same requests, so a failure can be replayed.

export type Rng = () => number

/** mulberry32: small and well distributed. */
export function seededRng (seed: number): Rng {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface HttpCase { kind: string; via: 'http'; method: string; path: string; headers: Record<string, string>; body: Buffer | null }
export interface RawCase { kind: string; via: 'raw'; bytes: Buffer }
export type MalformedCase = HttpCase | RawCase

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T
const int = (rng: Rng, max: number): number => Math.floor(rng() * max)

const VALID = { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }
const JSON_HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-chaos-malformed' }

function junkString (rng: Rng, length: number): string {
  const alphabets = ['abcdefghijklmnopqrstuvwxyz ', '\u0000\u0001\u001f\u007f', '\u00e9\u4e2d\ud83d\ude00', '"\\{}[],:', '\ud800\udfff\ufffe']
  const alphabet = pick(rng, alphabets)
  let text = ''
  for (let i = 0; i < length; i++) text += alphabet[int(rng, alphabet.length)]
  return text
}

function nested (depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

/** Bodies that are not a valid Messages request. */
const BODY_KINDS: Array<[string, (rng: Rng) => string | Buffer]> = [
  ['truncated-json', (rng) => JSON.stringify(VALID).slice(0, 1 + int(rng, 60))],
  ['not-an-object', (rng) => pick(rng, ['[]', '42', '"text"', 'null', 'true', '[{"model":"x"}]'])],
  ['empty', () => ''],
  ['missing-field', (rng) => { const body: Record<string, unknown> = { ...VALID }; delete body[pick(rng, ['model', 'messages', 'max_tokens'])]; return JSON.stringify(body) }],
  ['wrong-types', (rng) => JSON.stringify({ ...VALID, [pick(rng, ['model', 'messages', 'max_tokens', 'stream', 'system', 'tools', 'temperature', 'metadata', 'thinking'])]: pick(rng, [1, -1, 1e308, 'x', null, [], {}, true, [1, 2], { a: 1 }]) })],
  ['bad-numbers', (rng) => JSON.stringify(VALID).replace('16', pick(rng, ['1e400', '-0', '0.5', 'NaN', 'Infinity', '99999999999999999999999', '0x10']))],
  ['bad-content', (rng) => JSON.stringify({ ...VALID, messages: [{ role: pick(rng, ['user', 'assistant', 'system', 'robot', 7]), content: pick(rng, [null, 5, [{ type: 'image' }], [{ type: 'mystery', x: 1 }], [{ type: 'text' }], [{ type: 'tool_result', content: { a: 1 } }], junkString(rng, 20)]) }] })],
  ['odd-model', (rng) => JSON.stringify({ ...VALID, model: pick(rng, ['', ' ', 'claude-\u0000', 'claude-\r\nx-injected: 1', junkString(rng, 40), 'x'.repeat(5000), '../../etc/passwd']) })],
  ['junk-text', (rng) => junkString(rng, 1 + int(rng, 300))],
  ['big-junk', (rng) => junkString(rng, 10_000 + int(rng, 300_000))],
  ['big-string-field', (rng) => JSON.stringify({ ...VALID, messages: [{ role: 'user', content: 'x'.repeat(100_000 + int(rng, 900_000)) }], max_tokens: -1 })],
  ['many-keys', (rng) => { const body: Record<string, unknown> = { ...VALID, max_tokens: 0 }; for (let i = 0; i < 2000 + int(rng, 20_000); i++) body[`k${i}`] = i; return JSON.stringify(body) }],
  ['duplicate-keys', () => '{"model":"claude-haiku-4-5","model":7,"max_tokens":16,"messages":"x"}'],
  ['invalid-utf8', (rng) => Buffer.concat([Buffer.from('{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80].slice(0, 1 + int(rng, 7))), Buffer.from('"}]')])],
  ['utf16-body', () => Buffer.from('\ufeff' + JSON.stringify({ ...VALID, max_tokens: 'x' }), 'utf16le')],
  ['lone-surrogates', () => JSON.stringify({ ...VALID, model: 'claude-\ud800', metadata: { user_id: '\udc00' }, max_tokens: 'x' })],
  ['shallow-nesting', (rng) => JSON.stringify({ ...VALID, max_tokens: null }).replace('"hi"', nested(10 + int(rng, 200), pick(rng, ['array', 'object'] as const)))]
]

/** Deep nesting: thousands of levels (recursion in the gateway must not turn these into a 500). */
export const DEEP_KINDS: Array<[string, (rng: Rng) => string]> = [
  ['deep-array-content', (rng) => JSON.stringify({ ...VALID }).replace('"hi"', nested(2_000 + int(rng, 12_000), 'array'))],
  ['deep-object-metadata', (rng) => JSON.stringify({ ...VALID, metadata: '@' }).replace('"@"', nested(2_000 + int(rng, 12_000), 'object'))],
  ['deep-tool-input', (rng) => JSON.stringify({ ...VALID, tools: [{ name: 't', input_schema: '@' }] }).replace('"@"', nested(2_000 + int(rng, 12_000), 'object'))]
]

/** Headers around an otherwise valid or invalid body. */
const HEADER_KINDS: Array<[string, (rng: Rng) => Record<string, string>]> = [
  ['no-content-type', () => ({ 'content-type': '' })],
  ['text-plain', () => ({ 'content-type': 'text/plain' })],
  ['json-latin1', () => ({ 'content-type': 'application/json; charset=latin1' })],
  ['multipart', () => ({ 'content-type': 'multipart/form-data; boundary=x' })],
  ['gzip-not-gzip', () => ({ 'content-encoding': 'gzip' })],
  ['br-encoding', () => ({ 'content-encoding': 'br, identity, x-unknown' })],
  ['bad-version', (rng) => ({ 'anthropic-version': pick(rng, ['', 'yesterday', '1999-01-01', 'x'.repeat(2000)]) })],
  ['long-header', (rng) => ({ 'x-junk': 'j'.repeat(1_000 + int(rng, 30_000)) })],
  ['many-headers', (rng) => Object.fromEntries(Array.from({ length: 50 + int(rng, 150) }, (_, i) => [`x-h-${i}`, String(i)]))],
  ['odd-credentials', (rng) => ({ 'x-api-key': pick(rng, ['', ' ', 'k'.repeat(20_000), 'sk-\u00e9']).replace(/[^\x20-\x7e]/g, '?'), authorization: pick(rng, ['Bearer', 'Basic !!!', 'Bearer ' + 'b'.repeat(10_000), 'Digest x']) })],
  ['sim-junk', (rng) => ({ 'x-sim-status': pick(rng, ['abc', '-1', '99999']), 'x-sim-latency-ms': 'soon' })],
]

const PATHS = ['/v1/messages', '/v1/messages?beta=true', '/v1/messages/count_tokens', '/v1/messages/batches', '/v1/../../internal/admin', '/v1/%2e%2e/%2e%2e/admin', '/v1/messages%00', '/v1//messages', '/v1/messages/' + 'x'.repeat(4000), '/v1/models/%ff', '/v1/files/..%2f..%2fetc', '/v1/gateway/explain']

/** Bytes that are not quite HTTP, sent on a raw socket. */
const RAW_KINDS: Array<[string, (rng: Rng) => Buffer]> = [
  ['bad-request-line', (rng) => Buffer.from(pick(rng, ['GARBAGE\r\n\r\n', 'POST\r\n\r\n', 'POST /v1/messages HTTP/9.9\r\nhost: x\r\n\r\n', '\u0000\u0001\u0002\r\n\r\n']))],
  ['header-overflow', (rng) => Buffer.from(`POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000 + int(rng, 60_000))}\r\n\r\n`)],
  ['bad-header-line', () => Buffer.from('POST /v1/messages HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n')],
  ['bad-chunked', () => Buffer.from('POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n')],
  ['smuggling-cl-te', () => Buffer.from('POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n')],
  ['absolute-form', () => Buffer.from('POST http://evil.example/v1/messages HTTP/1.1\r\nhost: evil.example\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}')],
  ['duplicate-content-length', () => Buffer.from('POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}')],
  ['lf-only', () => Buffer.from('POST /v1/messages HTTP/1.1\nhost: x\ncontent-length: 2\n\n{}')],
  // curl sends it by itself above 1 MB; undici refuses to, so it goes raw.
  ['expect-continue', () => {
    const body = JSON.stringify({ ...VALID, max_tokens: 0 })
    return Buffer.from(`POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-api-key: sk-ant-chaos-malformed\r\nexpect: 100-continue\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
  }]
]

/** `count` cases from `seed`; `deep` adds the deep-nesting kinds. */
export function * malformedCases (seed: number, count: number, options: { deep: boolean }): Generator<MalformedCase> {
  const rng = seededRng(seed)
  for (let i = 0; i < count; i++) {
    const roll = rng()
    if (options.deep && roll < 0.03) {
      const [kind, make] = pick(rng, DEEP_KINDS)
      yield { kind, via: 'http', method: 'POST', path: pick(rng, ['/v1/messages', '/v1/messages/count_tokens']), headers: JSON_HEADERS, body: Buffer.from(make(rng)) }
    } else if (roll < 0.08) {
      const [kind, make] = pick(rng, RAW_KINDS)
      yield { kind, via: 'raw', bytes: make(rng) }
    } else if (roll < 0.25) {
      const [kind, make] = pick(rng, HEADER_KINDS)
      const body = rng() < 0.5 ? JSON.stringify({ ...VALID, max_tokens: 0 }) : BODY_KINDS[int(rng, BODY_KINDS.length)]?.[1](rng) ?? ''
      yield { kind: `header:${kind}`, via: 'http', method: 'POST', path: '/v1/messages', headers: { ...JSON_HEADERS, ...make(rng) }, body: Buffer.from(body) }
    } else if (roll < 0.32) {
      yield { kind: 'path', via: 'http', method: pick(rng, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']), path: pick(rng, PATHS), headers: JSON_HEADERS, body: rng() < 0.5 ? null : Buffer.from('{"model":1}') }
    } else {
      const [kind, make] = pick(rng, BODY_KINDS)
      yield { kind, via: 'http', method: 'POST', path: rng() < 0.85 ? '/v1/messages' : '/v1/messages/count_tokens', headers: JSON_HEADERS, body: Buffer.from(make(rng)) }
    }
  }
}
