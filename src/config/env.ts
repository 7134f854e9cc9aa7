// Pure. Reads the process environment (passed in) into typed settings. An invalid value is
// returned as one issue naming the variable, so start-up can fail with one clear line.

import { redactCredentials } from '../redact.js'
import { DEFAULT_TIMEOUTS, timeoutsProblem } from '../server/timeouts.js'

export interface EnvConfig {
  port: number
  host: string
  /** Overrides the policy file's `upstream.url` when set. */
  upstreamUrl: string | null
  configPath: string
  redisUrl: string | null
  logLevel: string
  metricsPort: number | null
  metricsToken: string | null
  /** Enables the admin endpoints (explain, /admin); unset = they answer 404. */
  adminToken: string | null
  /** Overrides the policy file's `public_url` when set. */
  publicUrl: string | null
  bodyLimitBytes: number
  /** Request-body bytes held in memory at once across all requests; null = derived from the heap limit. */
  bodyBudgetBytes: number | null
  headersTimeoutMs: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  /** Upstream answers read whole (non-streamed) up to this size; larger ones are relayed as they come. */
  upstreamBufferLimitBytes: number
  shutdownTimeoutMs: number
  /** Client connections open at once; more are closed as they arrive. null = no cap. */
  maxConnections: number | null
}

export interface EnvIssue { variable: string; message: string }

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export function readEnv (env: Readonly<Record<string, string | undefined>>): { config: EnvConfig } | { issue: EnvIssue } {
  try {
    return {
      config: {
        port: port(env, 'PORT', 8080),
        host: text(env, 'HOST', '0.0.0.0'),
        upstreamUrl: optionalUrl(env, 'ANTHROPIC_UPSTREAM_URL'),
        configPath: text(env, 'GATEWAY_CONFIG', 'config/gateway.yaml'),
        redisUrl: redisUrl(env),
        logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
        metricsPort: env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? null : port(env, 'METRICS_PORT', 0),
        metricsToken: nonEmpty(env.METRICS_TOKEN),
        adminToken: nonEmpty(env.ADMIN_TOKEN),
        publicUrl: optionalUrl(env, 'PUBLIC_URL'),
        bodyLimitBytes: positiveInt(env, 'BODY_LIMIT_BYTES', 32 * 1024 * 1024),
        bodyBudgetBytes: nonEmpty(env.REQUEST_BUFFER_BUDGET_BYTES) === null ? null : positiveInt(env, 'REQUEST_BUFFER_BUDGET_BYTES', 0),
        ...timeouts(env),
        upstreamBufferLimitBytes: positiveInt(env, 'UPSTREAM_BUFFER_LIMIT_BYTES', 32 * 1024 * 1024),
        shutdownTimeoutMs: positiveInt(env, 'SHUTDOWN_TIMEOUT_MS', 30_000),
        maxConnections: nonEmpty(env.MAX_CONNECTIONS) === null ? null : positiveInt(env, 'MAX_CONNECTIONS', 0)
      }
    }
  } catch (err) {
    if (err instanceof EnvError) return { issue: { variable: err.variable, message: err.message } }
    throw err
  }
}

function timeouts (env: Readonly<Record<string, string | undefined>>): Pick<EnvConfig, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'> {
  const values = {
    headersTimeoutMs: positiveInt(env, 'HEADERS_TIMEOUT_MS', DEFAULT_TIMEOUTS.headersMs),
    requestTimeoutMs: positiveInt(env, 'REQUEST_TIMEOUT_MS', DEFAULT_TIMEOUTS.requestMs),
    keepAliveTimeoutMs: positiveInt(env, 'KEEP_ALIVE_TIMEOUT_MS', DEFAULT_TIMEOUTS.keepAliveMs)
  }
  const problem = timeoutsProblem({ headersMs: values.headersTimeoutMs, requestMs: values.requestTimeoutMs, keepAliveMs: values.keepAliveTimeoutMs })
  if (problem !== null) throw new EnvError('HEADERS_TIMEOUT_MS', problem)
  return values
}

class EnvError extends Error {
  constructor (readonly variable: string, message: string) {
    super(`${variable}: ${message}`)
  }
}

function nonEmpty (value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim()
}

function text (env: Readonly<Record<string, string | undefined>>, name: string, fallback: string): string {
  return nonEmpty(env[name]) ?? fallback
}

function port (env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = nonEmpty(env[name])
  if (raw === null) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value > 65535) throw new EnvError(name, `"${raw}" is not a port number (0-65535)`)
  return value
}

function positiveInt (env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = nonEmpty(env[name])
  if (raw === null) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) throw new EnvError(name, `"${raw}" is not a positive integer`)
  return Number(raw)
}

function oneOf (env: Readonly<Record<string, string | undefined>>, name: string, allowed: string[], fallback: string): string {
  const raw = nonEmpty(env[name])
  if (raw === null) return fallback
  if (!allowed.includes(raw)) throw new EnvError(name, `"${raw}" is not one of ${allowed.join(', ')}`)
  return raw
}

function optionalUrl (env: Readonly<Record<string, string | undefined>>, name: string): string | null {
  const raw = nonEmpty(env[name])
  if (raw === null) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new EnvError(name, `"${redactCredentials(raw)}" is not an absolute URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EnvError(name, `"${redactCredentials(raw)}" must be an http(s) URL`)
  return raw.replace(/\/+$/, '')
}

function redisUrl (env: Readonly<Record<string, string | undefined>>): string | null {
  const raw = nonEmpty(env.REDIS_URL)
  if (raw === null) return null
  if (!/^rediss?:\/\//.test(raw)) throw new EnvError('REDIS_URL', `"${redactCredentials(raw)}" must start with redis:// or rediss://`)
  try {
    void new URL(raw)
  } catch {
    throw new EnvError('REDIS_URL', `"${redactCredentials(raw)}" is not a valid URL`)
  }
  return raw
}
