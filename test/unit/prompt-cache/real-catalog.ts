// The shipped catalog (config/models.yaml), compiled once, for tests that price real models; and a
// variant with every tokenizer ratio set to 1 (the issue's measured cases assume equal counts).

import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { compileCatalog } from '../../../src/catalog/compile.js'
import type { CatalogModel, ModelCatalog } from '../../../src/catalog/types.js'
import { pricerFor } from '../../../src/prompt-cache/price.js'

const raw: unknown = parseYaml(readFileSync(new URL('../../../config/models.yaml', import.meta.url), 'utf8'))

function compiled (overrides?: unknown): ModelCatalog {
  const result = compileCatalog(raw, overrides)
  if ('issues' in result) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('; '))
  return result.catalog
}

export const catalog = compiled()
export const sameTokenizerCatalog = compiled(catalog.models.map((model) => ({ id: model.id, tokenizer_ratio: 1 })))

export function model (id: string, from: ModelCatalog = catalog): CatalogModel {
  const found = from.resolve(id)
  if (found === undefined) throw new Error(`no model ${id}`)
  return found
}

export const ISO_DATE = '2026-11-20'
export const price = pricerFor({ isoDate: ISO_DATE, batch: false, inferenceGeo: undefined, speed: undefined })
