// `thriftline check [config.yaml]`: validates a policy file like `nginx -t`. Prints one
// `file: path: reason` line per issue on stderr and exits 1, or prints `ok` and exits 0 (after a
// `file: warning: path: reason` line per lifecycle warning, which do not fail the check).

import { loadConfig } from '../config/load.js'

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

export async function runCheck (path: string, io: CliIo, nowMs: number, catalogPath?: string): Promise<number> {
  const loaded = await loadConfig(path, { nowMs, envOverrides: {}, ...(catalogPath === undefined ? {} : { catalogPath }) })
  if ('issues' in loaded) {
    for (const issue of loaded.issues) io.err(`${path}: ${issue.path}: ${issue.message}`)
    return 1
  }
  for (const warning of loaded.config.warnings) io.err(`${path}: warning: ${warning.path}: ${warning.message}`)
  const policy = loaded.config.policy
  io.out(`ok (${counted(policy.ruleNames.length, 'route')}, ${counted(policy.virtualModels.length, 'virtual model')}, ${counted(loaded.config.catalog.models.length, 'catalog model')})`)
  return 0
}

const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`
