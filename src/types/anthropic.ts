// The slice of the Anthropic Messages API the gateway reads. Unknown fields are kept as they
// arrived: the gateway forwards them untouched (the API treats them as open lists).

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

export interface ContentBlock {
  type: string
  [field: string]: unknown
}

export interface MessageParam {
  role: string
  content: string | ContentBlock[]
  [field: string]: unknown
}

export interface ThinkingConfig {
  type: string
  budget_tokens?: number
  [field: string]: unknown
}

/** A validated `/v1/messages` (or count_tokens) body. Every field the client sent is still here. */
export interface MessagesRequest {
  model: string
  messages: MessageParam[]
  /** Absent only on count_tokens bodies. */
  max_tokens?: number
  system?: string | ContentBlock[]
  stream?: boolean
  tools?: ContentBlock[]
  tool_choice?: { type: string; [field: string]: unknown }
  thinking?: ThinkingConfig
  metadata?: { user_id?: string | null; [field: string]: unknown }
  temperature?: number
  top_p?: number
  top_k?: number
  stop_sequences?: string[]
  inference_geo?: string
  speed?: string
  [field: string]: unknown
}

export interface CacheCreationUsage {
  ephemeral_5m_input_tokens?: number | null
  ephemeral_1h_input_tokens?: number | null
}

export interface ServerToolUsage {
  web_search_requests?: number | null
  web_fetch_requests?: number | null
  [field: string]: unknown
}

/** Response usage. Any sub-field may be null or missing. */
export interface Usage {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  cache_creation?: CacheCreationUsage | null
  server_tool_use?: ServerToolUsage | null
  service_tier?: string | null
  inference_geo?: string | null
  speed?: string | null
  [field: string]: unknown
}

/** A complete Message as returned by a non-streaming call, or reassembled from SSE. */
export interface Message {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: ContentBlock[]
  stop_reason: string | null
  stop_sequence: string | null
  usage: Usage
  [field: string]: unknown
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
