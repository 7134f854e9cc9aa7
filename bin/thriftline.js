#!/usr/bin/env node
// The `thriftline` command (`npx thriftline check|explain|schema`). In a checkout (src/ and the dev
// dependency tsx present) it runs the TypeScript CLI in src/cli/main.ts through tsx, as `npm start`
// runs the gateway, so no build is needed and a stale dist/ is never used. Where there are no
// sources or no tsx (the Docker image: compiled JS, production dependencies only) it runs the
// compiled dist/cli/main.js.

import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const source = new URL('../src/cli/main.ts', import.meta.url)
const compiled = new URL('../dist/cli/main.js', import.meta.url)

function hasTsx () {
  try {
    import.meta.resolve('tsx/esm/api')
    return true
  } catch {
    return false
  }
}

if (existsSync(fileURLToPath(source)) && hasTsx()) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(source.href)
} else if (existsSync(fileURLToPath(compiled))) {
  await import(compiled.href)
} else {
  process.stderr.write('thriftline: neither src/cli/main.ts with tsx (run `npm ci`) nor dist/cli/main.js (run `npx tsc -p tsconfig.build.json`) is present\n')
  process.exit(1)
}
