// Every default of the policy file, in one place. The JSON Schema shows them to editors (as
// `default`), and compileConfig fills them in. Written in the file's own units.

export const DEFAULTS = {
  upstream: {
    url: 'https://api.anthropic.com',
    connect_timeout: '10s',
    /** Non-streaming generations can take minutes before the first header byte. */
    headers_timeout: '10m',
    body_timeout: '5m',
    fallback_retry_budget: '10s',
    circuit_breaker: {
      enabled: true,
      min_failures: 5,
      failure_ratio: 0.5,
      window: '10s',
      cool_down: '15s'
    },
    retry_budget: {
      ratio: 0.2,
      min_per_window: 10,
      window: '10s'
    }
  },
  cache: {
    mode: 'deterministic',
    ttl: '10m',
    max_entry_bytes: '1MiB',
    memory_max_bytes: '64MiB',
    compress_over_bytes: '16KiB',
    operation_timeout: '50ms',
    lock_wait: '5s'
  },
  route: {
    mode: 'enforce'
  },
  auth: {
    mode: 'passthrough',
    upstream_key_env: 'ANTHROPIC_API_KEY'
  },
  tenant: {
    on_store_unavailable: 'fail_open'
  },
  budget: {
    on_exceeded: 'reject',
    downgrade_at: 1,
    alert_at: 0.8
  }
} as const
