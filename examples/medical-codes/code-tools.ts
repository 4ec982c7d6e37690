/**
 * The MCP tools. Each read goes through `getOrSetWithStatus` under the seed's
 * key, so its result says `hit` or `miss` and the origin is only queried on a
 * miss. `origin_stats` exposes the origin's query counter for tests and demos.
 */
import { performance } from 'node:perf_hooks'
import type { CallToolResult, McpServer } from '@modelcontextprotocol/server'
import type { Cache } from 'mcp-cache'
import * as z from 'zod'
import { normalizeCode, type CodeType } from './code-catalog.js'
import type { CodeDatabase } from './code-database.js'
import { categoryKey, codeKey, crosswalkKey, hotCodesKey, searchKey } from './code-keys.js'

/** What the tools need. */
export interface CodeToolDeps {
  readonly cache: Cache
  readonly db: CodeDatabase
  /** The start-up warming of the hot codes (never rejects): `hot_codes` waits for it. */
  readonly warming?: Promise<void>
}

const codeType = z.enum(['cpt', 'icd10'])
const cptCode = z.string().regex(/^\s*\d{4}[0-9A-Za-z]\s*$/, 'a 5-character CPT code such as 99213')
const icd10Code = z.string().regex(/^\s*[A-Za-z]\d[0-9A-Za-z]\.?[0-9A-Za-z]{0,4}\s*$/, 'an ICD-10 code such as Z00.00 or E119')
const readOnly = { readOnlyHint: true, openWorldHint: false } as const

function answer(structured: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured, ...(isError && { isError }) }
}

/** Registers the six code tools and `origin_stats`. */
export function registerCodeTools(server: McpServer, { cache, db, warming }: CodeToolDeps): void {
  /** Cache-aside under `key`; `name` is the result field holding the value. */
  async function cached(key: string, name: string, load: () => Promise<unknown>, notFound?: string): Promise<CallToolResult> {
    const started = performance.now()
    // A null (unknown code) is cached too: the code sets change yearly, not between two calls.
    const { value, status } = await cache.getOrSetWithStatus(key, load)
    const ms = Math.round((performance.now() - started) * 10) / 10
    if (value === null && notFound !== undefined) return answer({ cache: status, ms, key, error: notFound }, true)
    return answer({ cache: status, ms, key, [name]: value })
  }

  const lookup = (type: CodeType, input: string): Promise<CallToolResult> => {
    const code = normalizeCode(type, input)
    return cached(codeKey(type, code), 'code', () => db.findCode(type, code), `no ${type} code ${code}`)
  }

  server.registerTool(
    'lookup_cpt',
    { description: 'One CPT-shaped procedure code (synthetic description), cached 1 h under cpt:{code}', inputSchema: z.object({ code: cptCode }), annotations: readOnly },
    ({ code }) => lookup('cpt', code),
  )
  server.registerTool(
    'lookup_icd10',
    { description: 'One ICD-10-shaped diagnosis code (synthetic description), cached 1 h under icd10:{code}', inputSchema: z.object({ code: icd10Code }), annotations: readOnly },
    ({ code }) => lookup('icd10', code),
  )
  server.registerTool(
    'search_codes',
    {
      description: `Codes whose code or description contains the query (first 100), cached 10 min under search:{hash}`,
      inputSchema: z.object({ query: z.string().trim().min(2).max(100), type: codeType.optional() }),
      annotations: readOnly,
    },
    ({ query, type }) => cached(searchKey(query, type), 'results', () => db.search(query, type)),
  )
  server.registerTool(
    'codes_by_category',
    {
      description: 'Codes of a CPT section (surgery, radiology, ...) or an ICD-10 category (E11), cached 1 h under {type}:category:{category}',
      inputSchema: z.object({ type: codeType, category: z.string().trim().min(1).max(40) }),
      annotations: readOnly,
    },
    ({ type, category }) => {
      const normalized = type === 'cpt' ? category.toLowerCase() : category.toUpperCase()
      return cached(categoryKey(type, normalized), 'listing', () => db.category(type, normalized))
    },
  )
  server.registerTool(
    'hot_codes',
    {
      description: "A team's most used codes, warmed at start, cached 2 h under hot:codes:{teamId}",
      inputSchema: z.object({ teamId: z.string().trim().min(1).max(64) }),
      annotations: readOnly,
    },
    async ({ teamId }) => {
      await warming
      return cached(hotCodesKey(teamId), 'hot', () => db.hotCodes(teamId))
    },
  )
  server.registerTool(
    'crosswalk',
    {
      description: 'CPT codes linked to an ICD-10 code, or whether one pair is linked; cached 1 h under crosswalk:{icd10}:{cpt?}',
      inputSchema: z.object({ icd10: icd10Code, cpt: cptCode.optional() }),
      annotations: readOnly,
    },
    ({ icd10, cpt }) => {
      const diagnosis = normalizeCode('icd10', icd10)
      const procedure = cpt === undefined ? undefined : normalizeCode('cpt', cpt)
      return cached(crosswalkKey(diagnosis, procedure), 'crosswalk', () => db.crosswalk(diagnosis, procedure), `no icd10 code ${diagnosis}`)
    },
  )
  server.registerTool(
    'origin_stats',
    { description: 'How many queries reached the code database, and the cache counters', inputSchema: z.object({}), annotations: readOnly },
    () => {
      const stats = cache.stats()
      return answer({ origin: db.queryCounts(), cache: { store: cache.storeKind, hits: stats.hits, misses: stats.misses, hitRate: stats.hitRate } })
    },
  )
}
