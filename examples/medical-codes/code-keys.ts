/**
 * The seed's key patterns and TTLs, in one place. Keys are built with
 * mcp-cache's `buildKey`, which percent-encodes every part, so a team id or a
 * query cannot add a `:` segment or a glob character; plain codes such as
 * `99213` or `Z00.00` come out unchanged (`cpt:99213`, `icd10:Z00.00`).
 * The cache puts its prefix in front in the store (`mcp:cpt:99213` by default,
 * CACHE_PREFIX to change it).
 */
import { buildKey, contentKey, type Duration } from 'mcp-cache'
import type { CodeType } from './code-catalog.js'

/** `cpt:{code}` or `icd10:{code}`. */
export function codeKey(type: CodeType, code: string): string {
  return buildKey(type, code)
}

/** `hot:codes:{teamId}`. */
export function hotCodesKey(teamId: string): string {
  return buildKey('hot', 'codes', teamId)
}

/** `{type}:category:{category}`. */
export function categoryKey(type: CodeType, category: string): string {
  return buildKey(type, 'category', category)
}

/** `crosswalk:{icd10Id}:{cptId?}`: without a CPT code the key ends at the ICD-10 code. */
export function crosswalkKey(icd10: string, cpt?: string): string {
  return cpt === undefined ? buildKey('crosswalk', icd10) : buildKey('crosswalk', icd10, cpt)
}

/** `search:{sha256 of the normalized query and type}`: free text never appears in a key. */
export function searchKey(query: string, type?: CodeType): string {
  return contentKey('search', { query: query.trim().toLowerCase(), type: type ?? 'all' })
}

/**
 * TTL per key category (the first key segment). Codes, category lists and
 * crosswalks: the seed's 1 hour; hot codes: its 2 hours; search results: 10
 * minutes (our choice: many distinct queries, each asked rarely). The
 * environment (CACHE_TTL_CPT=30m ...) overrides any of them.
 */
export const CODE_TTLS: Readonly<Record<string, Duration>> = {
  cpt: '1h',
  icd10: '1h',
  hot: '2h',
  crosswalk: '1h',
  search: '10m',
}
