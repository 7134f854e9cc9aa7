// Pure. The price schedule in force on a date (schedules are sorted by effectiveFrom).

import type { CatalogModel, PriceSchedule } from './types.js'

/** @example priceScheduleAt(catalog.resolve('claude-sonnet-5-5')!, '2026-11-24').base.cacheRead // 100_000 */
export function priceScheduleAt (model: CatalogModel, isoDate: string): PriceSchedule | undefined {
  let found: PriceSchedule | undefined
  for (const schedule of model.prices) {
    if (schedule.effectiveFrom <= isoDate) found = schedule
    else break
  }
  // A request dated before a model's first schedule (clock skew, early access) uses the first one.
  return found ?? model.prices[0]
}
