// The request every benchmark sends: a ~2 KB support chat asked of Sonnet 4.5 (the benchmark
// policy's last rule rewrites it to Haiku 4.5), answered by the simulator with 20 output tokens.

export const MESSAGE = {
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  temperature: 0,
  system: 'You are a helpful support assistant. '.repeat(20),
  messages: [{ role: 'user', content: 'Where is my order? '.repeat(60) }]
}

export const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-bench', 'anthropic-version': '2023-06-01', 'x-sim-output-tokens': '20' }

/** The request body as sent: streamed or not. */
export const bodyOf = (stream: boolean): string => JSON.stringify(stream ? { ...MESSAGE, stream: true } : MESSAGE)

export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
