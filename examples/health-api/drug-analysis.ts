/**
 * Drug analysis and basic drug information from the local reference table
 * (the seed's "expensive AI operations" and external lookups). Illustrative only.
 */
import type { DrugTable } from './drug-catalog.js'
import type { DrugAnalysisRequest } from './request-schemas.js'

/** Basic reference information, stamped for the seed's "timestamp validation". */
export interface DrugInfo {
  readonly name: string
  readonly drug_class: string
  readonly common_uses: readonly string[]
  /** When the source last changed the record this copy was made from. */
  readonly source_updated_at: string
  /** When this copy was fetched from the source. */
  readonly retrieved_at: string
}

/** The drug analysis the endpoint returns and caches. */
export interface DrugAnalysis {
  readonly name: string
  readonly drug_class: string
  readonly interactions: ReadonlyArray<{ readonly drug: string; readonly note: string }>
  readonly cautions: ReadonlyArray<{ readonly condition: string; readonly note: string }>
  readonly age_note?: string
  readonly risk: 'low' | 'moderate' | 'high'
  /** The source's `updated_at` of every record the analysis read (the drug and the other medications it knows). */
  readonly source_updated_at: Readonly<Record<string, string>>
}

/** Reference information on `name`, or undefined for a drug the table does not know (not cached). */
export function lookUpDrugInfo(table: DrugTable, name: string): DrugInfo | undefined {
  const drug = table.find(name)
  if (drug === undefined) return undefined
  return { name: drug.name, drug_class: drug.drugClass, common_uses: drug.commonUses, source_updated_at: drug.updatedAt, retrieved_at: new Date().toISOString() }
}

/** Checks one drug against the caller's other medications, conditions and age; undefined for an unknown drug. */
export function analyzeDrug(table: DrugTable, request: Pick<DrugAnalysisRequest, 'drug_name' | 'age' | 'conditions' | 'other_medications'>): DrugAnalysis | undefined {
  const drug = table.find(request.drug_name)
  if (drug === undefined) return undefined
  const interactions = request.other_medications
    .map((other) => ({ drug: other, note: drug.interactions[other] ?? table.find(other)?.interactions[drug.name] }))
    .filter((found): found is { drug: string; note: string } => found.note !== undefined)
  const cautions = request.conditions
    .filter((condition) => drug.cautions[condition] !== undefined)
    .map((condition) => ({ condition, note: drug.cautions[condition] as string }))
  const older = request.age !== undefined && request.age >= 65
  const findings = interactions.length + cautions.length + (older ? 1 : 0)
  return {
    name: drug.name,
    drug_class: drug.drugClass,
    interactions,
    cautions,
    ...(older ? { age_note: 'age 65 or over: start low and review regularly' } : {}),
    risk: findings === 0 ? 'low' : findings === 1 ? 'moderate' : 'high',
    source_updated_at: sourceVersions(table, request),
  }
}

/** The `updated_at` of each record an analysis of `request` reads. */
function sourceVersions(table: DrugTable, request: Pick<DrugAnalysisRequest, 'drug_name' | 'other_medications'>): Record<string, string> {
  const versions: Record<string, string> = {}
  for (const name of [request.drug_name, ...request.other_medications]) {
    const record = table.find(name)
    if (record !== undefined) versions[record.name] = record.updatedAt
  }
  return versions
}

/**
 * True while a cached analysis was made from the records the source holds now: a changed
 * interaction or caution (a new `updated_at` on any record it read) makes it analysed again.
 */
export function isCurrentAnalysis(cached: unknown, table: DrugTable, request: Pick<DrugAnalysisRequest, 'drug_name' | 'other_medications'>): boolean {
  const versions = (cached as Partial<DrugAnalysis> | undefined)?.source_updated_at
  if (versions === undefined) return false
  const now = sourceVersions(table, request)
  const names = Object.keys(now)
  return names.length === Object.keys(versions).length && names.every((name) => versions[name] === now[name])
}
