// The policy file's shape, written once as a JSON Schema (draft 2020-12). Editors validate against
// the generated config/gateway.schema.json (`npx thriftline schema`); compileConfig takes every
// accepted key name from here, so the two cannot drift (test/unit/config/schema.test.ts).
// Also the typo and rename hints for unknown keys.

import { DEFAULTS } from './defaults.js'
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js'

type Schema = Readonly<Record<string, unknown>>

const duration = (description: string, fallback?: string): Schema => ({
  type: 'string', pattern: DURATION_PATTERN, description, ...(fallback === undefined ? {} : { default: fallback })
})
const size = (description: string, fallback: string): Schema => ({
  description,
  default: fallback,
  oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: SIZE_PATTERN }]
})
const globs = (description: string): Schema => ({
  description,
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }]
})
const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` })

/** Rule names and tenant names become header values and metric labels: keep them plain. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'
export const SHA256_PATTERN = '^[0-9a-fA-F]{64}$'

const UPSTREAM = {
  type: 'object',
  additionalProperties: false,
  description: 'Where requests go. The ANTHROPIC_UPSTREAM_URL environment variable overrides `url`.',
  properties: {
    url: { type: 'string', pattern: '^https?://', default: DEFAULTS.upstream.url, description: 'Origin plus optional base path.' },
    connect_timeout: duration('TCP/TLS connect timeout.', DEFAULTS.upstream.connect_timeout),
    headers_timeout: duration('Time allowed until the response headers arrive.', DEFAULTS.upstream.headers_timeout),
    body_timeout: duration('Longest silence allowed between two body chunks.', DEFAULTS.upstream.body_timeout),
    fallback_retry_budget: duration('Total time spent honouring retry-after before trying the next fallback model.', DEFAULTS.upstream.fallback_retry_budget),
    circuit_breaker: ref('circuit_breaker'),
    retry_budget: ref('retry_budget')
  }
} as const

const BREAKER = DEFAULTS.upstream.circuit_breaker
const CIRCUIT_BREAKER = {
  type: 'object',
  additionalProperties: false,
  description: 'Per upstream model: after a burst of connect errors, timeouts, 5xx or 529 in `window`, the model is skipped (fallbacks go next at once; with none left the client gets 529 overloaded_error with retry-after) until `cool_down` has passed; then one trial request decides whether it closes again.',
  properties: {
    enabled: { type: 'boolean', default: BREAKER.enabled },
    min_failures: { type: 'integer', minimum: 1, default: BREAKER.min_failures, description: 'Failures in the window before it may open.' },
    failure_ratio: { type: 'number', minimum: 0, maximum: 1, default: BREAKER.failure_ratio, description: 'Share of the attempts in the window that must have failed, 0–1.' },
    window: duration('The rolling window failures are counted over.', BREAKER.window),
    cool_down: duration('How long an open breaker skips the model before one trial request.', BREAKER.cool_down)
  }
} as const

const BUDGET = DEFAULTS.upstream.retry_budget
const RETRY_BUDGET = {
  type: 'object',
  additionalProperties: false,
  description: 'Fallback attempts (the next model of a chain, or the primary again after retry-after) may be at most `ratio` of first attempts over `window`, plus `min_per_window`; past it the last upstream answer is returned as it is.',
  properties: {
    ratio: { type: 'number', minimum: 0, default: BUDGET.ratio, description: 'Fallback attempts allowed per first attempt (0.2 = one in five).' },
    min_per_window: { type: 'integer', minimum: 0, default: BUDGET.min_per_window, description: 'Fallback attempts always allowed per window.' },
    window: duration('The rolling window attempts are counted over.', BUDGET.window)
  }
} as const

const CACHE = {
  type: 'object',
  additionalProperties: false,
  description: 'The response cache (defaults apply to every route; a route can override with `action.cache`).',
  properties: {
    mode: { enum: ['deterministic', 'all', 'off'], default: DEFAULTS.cache.mode, description: 'deterministic: only temperature-0 requests; all: every cacheable request; off.' },
    ttl: duration('How long an entry lives.', DEFAULTS.cache.ttl),
    max_entry_bytes: size('Entries larger than this are not stored.', DEFAULTS.cache.max_entry_bytes),
    memory_max_bytes: size('Byte bound of the in-memory LRU (used when REDIS_URL is unset).', DEFAULTS.cache.memory_max_bytes),
    compress_over_bytes: size('Entries larger than this are gzip-compressed.', DEFAULTS.cache.compress_over_bytes),
    operation_timeout: duration('Per-operation store timeout; past it the request goes on uncached.', DEFAULTS.cache.operation_timeout),
    lock_wait: duration('How long a miss waits for an identical in-flight miss.', DEFAULTS.cache.lock_wait),
    shared_scope: { type: ['string', 'null'], minLength: 1, description: 'When set, every tenant shares this cache scope instead of one scope per credential.' }
  }
} as const

const SECRET_REF = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  description: 'Where an upstream Anthropic key is read from: `env` (an environment variable) or `file` (a secrets file; its trimmed content).',
  properties: {
    env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    file: { type: 'string', minLength: 1 }
  }
} as const

const AUTH = {
  type: 'object',
  additionalProperties: false,
  description: 'Who may call the gateway. Tenants can set their own `auth`.',
  properties: {
    mode: { enum: ['passthrough', 'gateway_keys'], default: DEFAULTS.auth.mode, description: 'passthrough: a request no gateway key or tenant claims goes upstream with its own credential; gateway_keys: such a request gets 401.' },
    upstream_key: { ...ref('secret_ref'), description: 'The Anthropic key sent upstream for gateway-key requests (default: env ANTHROPIC_API_KEY); a tenant can name its own.' }
  }
} as const

const LIMITS = {
  type: 'object',
  additionalProperties: false,
  description: 'Rate limits (fixed one-minute windows, enforced across replicas through Redis) and USD budgets (UTC day and month, priced like the cost metrics). Each is optional.',
  properties: {
    requests_per_minute: { type: 'integer', minimum: 1 },
    input_tokens_per_minute: { type: 'integer', minimum: 1, description: 'Charged from the local estimate up front, corrected to the answer’s input + cache tokens.' },
    output_tokens_per_minute: { type: 'integer', minimum: 1, description: 'Charged max_tokens up front, corrected to the answer’s output tokens.' },
    usd_per_day: { type: 'number', exclusiveMinimum: 0 },
    usd_per_month: { type: 'number', exclusiveMinimum: 0 }
  }
} as const

const TENANT_BUDGET = {
  type: 'object',
  additionalProperties: false,
  description: 'What happens as the tenant (or one of its keys) uses up a USD budget.',
  properties: {
    on_exceeded: { enum: ['reject', 'downgrade'], default: DEFAULTS.budget.on_exceeded, description: 'reject: 429 rate_limit_error once a budget is used up; downgrade: send requests to `downgrade_to` from `downgrade_at` on.' },
    downgrade_to: { type: 'string', minLength: 1, description: 'A cheaper catalog model; the capability guard must accept it for the request, else the request is refused at 100%.' },
    downgrade_at: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: DEFAULTS.budget.downgrade_at, description: 'Used fraction of a budget from which requests are downgraded.' },
    alert_at: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: DEFAULTS.budget.alert_at, description: 'Used fraction that only alerts (metrics and the alert rule).' }
  }
} as const

const GATEWAY_KEY = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'sha256'],
  description: 'A gateway key of this tenant, stored as its sha256 (`thriftline keys hash` or `printf %s "$KEY" | sha256sum`).',
  properties: {
    id: { type: 'string', pattern: NAME_PATTERN, description: 'Public name of the key (listings, logs).' },
    sha256: { type: 'string', pattern: SHA256_PATTERN },
    expires_at: { type: 'string', minLength: 1, description: 'ISO 8601 date-time (e.g. 2027-01-01T00:00:00Z); from then on the key gets 401.' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    limits: ref('limits')
  }
} as const

const TENANT = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description: 'A named tenant: metrics label, cache scope, auth, limits and budgets. Assigned by gateway key, credential hash or header.',
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN },
    api_key_sha256: { type: 'array', items: { type: 'string', pattern: SHA256_PATTERN }, description: 'sha256 hex digests of API keys or bearer tokens (never the keys themselves).' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Header name → exact value; any one matching assigns the tenant.' },
    auth: { enum: ['passthrough', 'gateway_keys'], default: DEFAULTS.auth.mode, description: 'gateway_keys: only gateway keys of this tenant are accepted, and the gateway sends its own upstream key.' },
    upstream_key: { ...ref('secret_ref'), description: 'This tenant\'s upstream Anthropic key (default: auth.upstream_key).' },
    keys: { type: 'array', items: ref('gateway_key') },
    limits: ref('limits'),
    budget: ref('budget'),
    on_store_unavailable: { enum: ['fail_open', 'fail_closed'], default: DEFAULTS.tenant.on_store_unavailable, description: 'While Redis cannot be reached: serve without limits (counted and logged) or answer 503.' }
  }
} as const

const VIRTUAL_MODEL = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  description: 'A model name that exists only in the gateway (listed by GET /v1/models); a rule must map it to a real model. Claude Code lists only ids containing "claude".',
  properties: {
    id: { type: 'string', minLength: 1 },
    display_name: { type: 'string' },
    description: { type: 'string' }
  }
} as const

const MATCH = {
  type: 'object',
  additionalProperties: false,
  description: 'All listed conditions must hold. No conditions: every request matches.',
  properties: {
    model: globs('Glob or list of globs on the requested model (`*` any run, `?` one character).'),
    header: { type: 'object', additionalProperties: globs('Glob(s) on the header value.'), description: 'Header name → glob; the header must be present and match.' },
    metadata_user_id: globs('Glob(s) on metadata.user_id; absent never matches.'),
    max_input_tokens: { type: 'integer', minimum: 0, description: 'Estimated input tokens ≤ this.' },
    min_input_tokens: { type: 'integer', minimum: 0, description: 'Estimated input tokens ≥ this.' },
    has_tools: { type: 'boolean', description: 'The request defines tools.' },
    has_images: { type: 'boolean', description: 'The request has image blocks (anywhere, including tool results) or PDF documents.' },
    thinking: { type: 'boolean', description: 'Extended thinking requested (thinking.type other than "disabled").' },
    system_matches: { type: 'string', description: 'JavaScript regex on the system prompt text; a leading (?i) makes it case-insensitive.' }
  }
} as const

const ACTION = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  not: { required: ['model', 'split'] },
  description: 'What to do when the rule matches. `model` or `split` (not both); neither keeps the requested model.',
  properties: {
    model: { type: 'string', minLength: 1, description: 'Target: a catalog model id or alias, or a virtual model.' },
    fallback: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Catalog models tried in order on 429/529/5xx/connect errors, before any byte reached the client.' },
    split: { type: 'object', minProperties: 1, additionalProperties: { type: 'number', exclusiveMinimum: 0 }, description: 'Model → positive weight.' },
    sticky: { type: 'string', minLength: 1, description: '`metadata_user_id` or a header name: the same key always gets the same split choice.' },
    cache: {
      description: '`false` turns caching off for this route; an object overrides the global cache settings.',
      oneOf: [{ const: false }, ref('action_cache')]
    }
  }
} as const

const ACTION_CACHE = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ttl: duration('Entry lifetime for this route.'),
    mode: { enum: ['deterministic', 'all'], description: 'deterministic: only temperature-0 requests; all: every cacheable request.' }
  }
} as const

const ROUTE = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'action'],
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN, description: 'Unique; shown in x-gateway-rule and metrics.' },
    match: ref('match'),
    action: ref('action'),
    mode: { enum: ['enforce', 'shadow'], default: DEFAULTS.route.mode, description: 'shadow: evaluate and count, but do not apply.' },
    prompt_cache: { enum: ['protect', 'ignore'], default: 'protect', description: 'protect: when the requested model holds this conversation\'s prompt cache warm and moving would cost more this turn (prefix re-written at the target), the request stays (reason prompt_cache_warm); ignore: move anyway.' }
  }
} as const

const ROOT = {
  type: 'object',
  additionalProperties: false,
  properties: {
    upstream: ref('upstream'),
    public_url: { type: ['string', 'null'], pattern: '^https?://', description: 'Public origin of the gateway (batch results_url rewrite). PUBLIC_URL overrides it.' },
    cache: ref('cache'),
    auth: ref('auth'),
    tenants: { type: 'array', items: ref('tenant') },
    models: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string', minLength: 1 },
          like: { type: 'string', minLength: 1, description: 'Day-one model: inherit every field (capabilities, prices) but the names and retirement from this catalog model, then apply this entry\'s own keys.' }
        }
      },
      description: 'Model catalog overrides and additions: entries with the fields of config/models.yaml; an entry whose id exists there is merged over it; `like:` declares a new model from a known one in one line.'
    },
    virtual_models: { type: 'array', items: ref('virtual_model') },
    routes: { type: 'array', items: ref('route'), description: 'Evaluated top to bottom; first match wins; no match = no rewrite.' }
  }
} as const

/** The object kinds of the file, each with its accepted keys. */
export const OBJECT_SCHEMAS = {
  root: ROOT,
  upstream: UPSTREAM,
  circuit_breaker: CIRCUIT_BREAKER,
  retry_budget: RETRY_BUDGET,
  cache: CACHE,
  auth: AUTH,
  secret_ref: SECRET_REF,
  tenant: TENANT,
  gateway_key: GATEWAY_KEY,
  limits: LIMITS,
  budget: TENANT_BUDGET,
  virtual_model: VIRTUAL_MODEL,
  route: ROUTE,
  match: MATCH,
  action: ACTION,
  action_cache: ACTION_CACHE
} as const

export type ObjectKind = keyof typeof OBJECT_SCHEMAS

/** The accepted keys of one object kind, straight from the schema. */
export function keysOf (kind: ObjectKind): readonly string[] {
  return Object.keys(OBJECT_SCHEMAS[kind].properties)
}

/** Keys people are likely to write by habit or from another gateway's format → what we call them. */
export const KEY_HINTS: Readonly<Record<ObjectKind, Readonly<Record<string, string>>>> = {
  root: { rules: 'routes', policy: 'routes', upstream_url: 'upstream.url', base_url: 'upstream.url', virtual: 'virtual_models', aliases: 'virtual_models', catalog: 'models', tenant: 'tenants' },
  upstream: { base_url: 'url', origin: 'url', timeout: 'headers_timeout', connect_timeout_ms: 'connect_timeout', breaker: 'circuit_breaker', circuit_breakers: 'circuit_breaker', retries: 'retry_budget' },
  circuit_breaker: { threshold: 'min_failures', failures: 'min_failures', consecutive_failures: 'min_failures', ratio: 'failure_ratio', error_ratio: 'failure_ratio', interval: 'window', cooldown: 'cool_down', open_duration: 'cool_down', timeout: 'cool_down', enable: 'enabled' },
  retry_budget: { percent: 'ratio (a share, 0–1)', budget_percent: 'ratio (a share, 0–1)', min_retries: 'min_per_window', min_retries_per_second: 'min_per_window', ttl: 'window' },
  cache: { ttl_seconds: 'ttl', enabled: 'mode', max_entry_size: 'max_entry_bytes', max_bytes: 'memory_max_bytes', scope: 'shared_scope' },
  auth: { type: 'mode', api_key: 'upstream_key', upstream_api_key: 'upstream_key' },
  secret_ref: { env_var: 'env', path: 'file', value: 'env or file (never the key itself)' },
  tenant: { api_key: 'api_key_sha256 (the sha256 hex of the key, never the key itself)', api_keys: 'api_key_sha256', header: 'headers', rate_limits: 'limits', limit: 'limits', budgets: 'budget', fail_mode: 'on_store_unavailable', upstream_api_key: 'upstream_key' },
  gateway_key: { key: 'sha256 (the sha256 hex of the key, never the key itself)', hash: 'sha256', name: 'id', expires: 'expires_at', expiry: 'expires_at' },
  limits: { rpm: 'requests_per_minute', tpm: 'input_tokens_per_minute', itpm: 'input_tokens_per_minute', otpm: 'output_tokens_per_minute', daily_usd: 'usd_per_day', monthly_usd: 'usd_per_month', budget: 'usd_per_day or usd_per_month' },
  budget: { action: 'on_exceeded', model: 'downgrade_to', fallback_model: 'downgrade_to', threshold: 'downgrade_at or alert_at', soft_limit: 'alert_at' },
  virtual_model: { name: 'id', model: 'id', displayName: 'display_name' },
  route: { when: 'match', if: 'match', conditions: 'match', then: 'action', do: 'action', route: 'action', shadow: 'mode: shadow', enabled: 'mode', prompt_caching: 'prompt_cache', cache_protection: 'prompt_cache' },
  match: { models: 'model', headers: 'header', user_id: 'metadata_user_id', user: 'metadata_user_id', metadata: 'metadata_user_id', system: 'system_matches', system_regex: 'system_matches', prompt_matches: 'system_matches', tools: 'has_tools', images: 'has_images', vision: 'has_images', max_tokens: 'max_input_tokens (input size; max_tokens is the output cap)', input_tokens: 'max_input_tokens or min_input_tokens' },
  action_cache: { ttl_seconds: 'ttl', enabled: 'mode (or cache: false)' },
  action: { weight: 'split', weights: 'split', canary: 'split', target: 'model', to: 'model', fallbacks: 'fallback', fallback_models: 'fallback', sticky_key: 'sticky', cache_ttl: 'cache: { ttl }' }
}

/** The JSON Schema document written to config/gateway.schema.json. */
export function gatewayJsonSchema (): Record<string, unknown> {
  const { root, ...defs } = OBJECT_SCHEMAS
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $comment: 'Generated from src/config/schema.ts by `npx thriftline schema > config/gateway.schema.json`. Do not edit.',
    title: 'Thriftline gateway policy (GATEWAY_CONFIG)',
    ...root,
    $defs: defs
  }
}
