// The policies the benchmark runs Thriftline with: a realistic 20-rule policy where the benchmark
// request matches late (so every rule is evaluated), cache off for the miss path and on for hits.

import { mkdir, writeFile } from 'node:fs/promises'

export interface BenchPolicies { miss: string; hit: string }

function rules (): string {
  const lines: string[] = ['routes:']
  for (let i = 0; i < 19; i++) {
    lines.push(
      `  - name: team-${i}`,
      '    match:',
      '      model: ["claude-sonnet-4-5*", "claude-sonnet-4*"]',
      `      header: { x-team: "team-${i}" }`,
      '      max_input_tokens: 8000',
      '    action:',
      '      model: claude-haiku-4-5',
      '      fallback: [claude-sonnet-4-6]'
    )
  }
  lines.push(
    '  - name: support-to-haiku',
    '    match:',
    '      model: "claude-sonnet-4-5*"',
    '      max_input_tokens: 8000',
    '      has_images: false',
    '    action:',
    '      model: claude-haiku-4-5',
    '      fallback: [claude-sonnet-4-6]'
  )
  return lines.join('\n') + '\n'
}

export async function writePolicies (root: string): Promise<BenchPolicies> {
  const dir = `${root}/.tmp/bench`
  await mkdir(dir, { recursive: true })
  const miss = `${dir}/policy-miss.yaml`
  const hit = `${dir}/policy-hit.yaml`
  await writeFile(miss, 'cache: { mode: off }\n' + rules())
  await writeFile(hit, 'cache: { mode: all, ttl: 10m }\n' + rules())
  return { miss, hit }
}
