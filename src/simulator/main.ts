// `npm run simulator`: the upstream simulator as a standalone server, e.g. for load-testing a
// policy without an API key. PORT (default 4010), HOST (default 127.0.0.1). Requests are not
// recorded, so memory stays flat under load.

import { createSimulator } from './server.js'

const port = Number(process.env.PORT ?? 4010)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(process.env.PORT)}\n`)
  process.exit(1)
}
// SIM_EXTRA_MODELS=a,b lists models the gateway's catalog may not know yet (see `thriftline catalog diff`).
const extraModels = (process.env.SIM_EXTRA_MODELS ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '')
const simulator = await createSimulator({ port, host: process.env.HOST ?? '127.0.0.1', record: false, extraModels })
process.stdout.write(`thriftline simulator listening on ${simulator.url}\n`)
const stop = (): void => { void simulator.close().then(() => process.exit(0)) }
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
