// Pure. Paging of the list endpoints (models, batches, files): `limit` (1–1000, default 20),
// `after_id` (the page after that id) or `before_id` (the page just before it), and the page shape
// `{ data, has_more, first_id, last_id }`. `items` are in the API's order (newest first).

export interface Page<T> {
  data: T[]
  has_more: boolean
  first_id: string | null
  last_id: string | null
}

export function paginate<T extends { id: string }> (items: readonly T[], query: URLSearchParams): Page<T> {
  const limit = Math.min(1000, Math.max(1, Math.floor(Number(query.get('limit') ?? 20)) || 20))
  const after = query.get('after_id')
  const before = query.get('before_id')
  let data: T[]
  let hasMore: boolean
  if (before !== null && after === null) {
    const end = items.findIndex((item) => item.id === before)
    const start = Math.max(0, end - limit)
    data = end < 0 ? [] : items.slice(start, end)
    hasMore = end > 0 && start > 0
  } else {
    const start = after === null ? 0 : items.findIndex((item) => item.id === after) + 1
    data = start === 0 && after !== null ? [] : items.slice(start, start + limit)
    hasMore = data.length > 0 && start + limit < items.length
  }
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
}
