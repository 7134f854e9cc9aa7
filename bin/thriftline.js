#!/usr/bin/env node
// The `thriftline` command (`npx thriftline check|explain|schema`). Runs the TypeScript CLI in
// src/cli/main.ts through tsx, the same way `npm start` runs the gateway, so no build is needed.

import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
