// The one place the prompt-cache and savings code calls the cost function (src/metrics/cost.ts):
// a narrow adapter, so a change to how usage is priced touches only this file.

import { priceUsage } from '../metrics/cost.js'
import type { PriceUsage } from './turn-cost.js'

export interface PriceContext {
  isoDate: string
  batch: boolean
  inferenceGeo: string | undefined
  speed: string | undefined
}

/** @example pricerFor({ isoDate: '2026-11-20', batch: false, inferenceGeo: undefined, speed: undefined })(usage, sonnet) */
export function pricerFor (context: PriceContext): PriceUsage {
  return (usage, model) => {
    const cost = priceUsage(usage, model, context)
    return cost.unpriced.length > 0 ? null : cost.picoUsd
  }
}
