/**
 * The origin: a code "database" held in process, answering after a
 * configurable delay (CODES_LATENCY_MS) as a remote database would, and
 * counting every query so tests can prove that a cache hit never reached it.
 */
import { generateCptCodes, generateIcd10Codes, type CodeType, type MedicalCode } from './code-catalog.js'
import { draws, seedOf } from './seeded-random.js'

/** The kinds of query the origin answers, counted separately. */
export type QueryKind = 'cpt' | 'icd10' | 'search' | 'category' | 'hot_codes' | 'crosswalk'

/** A team's most used codes with how often it used each. */
export interface HotCodes {
  readonly teamId: string
  readonly codes: ReadonlyArray<MedicalCode & { readonly uses: number }>
}

/** Which CPT codes are billed with an ICD-10 code; with `cpt`, whether that pair is one of them. */
export interface Crosswalk {
  readonly icd10: string
  readonly cpt: string | null
  readonly linked: boolean | null
  readonly procedures: readonly MedicalCode[]
}

/** A page of one category's codes. */
export interface CategoryListing {
  readonly type: CodeType
  readonly category: string
  readonly total: number
  readonly codes: readonly MedicalCode[]
}

/** Sizes and delay of the origin. */
export interface CodeDatabaseOptions {
  readonly cptCount: number
  readonly icd10Count: number
  readonly latencyMs: number
  /** How many codes `hotCodes` returns per team. */
  readonly hotCodesPerTeam: number
}

/** Most codes a category or search answer lists; `total` says how many matched. */
export const LIST_LIMIT = 100
const CROSSWALK_SIZE = 5

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The code database behind the cache. */
export class CodeDatabase {
  private readonly byType: Record<CodeType, Map<string, MedicalCode>>
  private readonly counts: Record<QueryKind, number> = { cpt: 0, icd10: 0, search: 0, category: 0, hot_codes: 0, crosswalk: 0 }

  constructor(private readonly options: CodeDatabaseOptions) {
    this.byType = {
      cpt: new Map(generateCptCodes(options.cptCount).map((entry) => [entry.code, entry])),
      icd10: new Map(generateIcd10Codes(options.icd10Count).map((entry) => [entry.code, entry])),
    }
  }

  /** How many queries of each kind reached the origin, and their sum. */
  queryCounts(): { readonly total: number; readonly byKind: Readonly<Record<QueryKind, number>> } {
    const total = Object.values(this.counts).reduce((sum, value) => sum + value, 0)
    return { total, byKind: { ...this.counts } }
  }

  /** One code, or null when the catalog has no such code. */
  async findCode(type: CodeType, code: string): Promise<MedicalCode | null> {
    await this.query(type)
    return this.byType[type].get(code) ?? null
  }

  /** Codes whose code or description contains `query` (case-insensitive), of one type or both. */
  async search(query: string, type?: CodeType): Promise<{ readonly total: number; readonly codes: readonly MedicalCode[] }> {
    await this.query('search')
    const needle = query.trim().toLowerCase()
    const types: CodeType[] = type === undefined ? ['cpt', 'icd10'] : [type]
    const matches = types.flatMap((each) =>
      [...this.byType[each].values()].filter((entry) => entry.code.toLowerCase().includes(needle) || entry.description.toLowerCase().includes(needle)),
    )
    return { total: matches.length, codes: matches.slice(0, LIST_LIMIT) }
  }

  /** The codes of one category: a CPT section slug or an ICD-10 3-character category. */
  async category(type: CodeType, category: string): Promise<CategoryListing> {
    await this.query('category')
    const codes = [...this.byType[type].values()].filter((entry) => entry.category === category)
    return { type, category, total: codes.length, codes: codes.slice(0, LIST_LIMIT) }
  }

  /** A team's most used codes, from its (generated) usage log: any team id has one. */
  async hotCodes(teamId: string): Promise<HotCodes> {
    await this.query('hot_codes')
    const random = draws(seedOf(`team:${teamId}`))
    const picked = new Map<string, MedicalCode>()
    const cpt = [...this.byType.cpt.values()]
    const icd10 = [...this.byType.icd10.values()]
    while (picked.size < Math.min(this.options.hotCodesPerTeam, cpt.length + icd10.length)) {
      const entry = random.next() < 0.5 ? random.pick(cpt) : random.pick(icd10)
      picked.set(`${entry.type}:${entry.code}`, entry)
    }
    const codes = [...picked.values()].map((entry, rank) => ({ ...entry, uses: 1000 - rank * 7 - random.below(5) }))
    return { teamId, codes }
  }

  /** The CPT codes linked to an ICD-10 code; null when the ICD-10 code is unknown. */
  async crosswalk(icd10: string, cpt?: string): Promise<Crosswalk | null> {
    await this.query('crosswalk')
    if (!this.byType.icd10.has(icd10)) return null
    const random = draws(seedOf(`crosswalk:${icd10}`))
    const all = [...this.byType.cpt.values()]
    const procedures = new Map<string, MedicalCode>()
    while (procedures.size < Math.min(CROSSWALK_SIZE, all.length)) {
      const entry = random.pick(all)
      procedures.set(entry.code, entry)
    }
    return { icd10, cpt: cpt ?? null, linked: cpt === undefined ? null : procedures.has(cpt), procedures: [...procedures.values()] }
  }

  private async query(kind: QueryKind): Promise<void> {
    this.counts[kind]++
    if (this.options.latencyMs > 0) await sleep(this.options.latencyMs)
  }
}
