/**
 * Measures what the seed's full code sets take: 50,000 CPT and 100,000 ICD-10
 * entries (generated, same shape as the server's), loaded under the seed keys
 * into (a) the memory store and (b) Redis, against the seed's estimates
 * (~5 MB and ~15 MB). Also a 1,000-code hot list per organization (~100 KB)
 * and 10,000 crosswalk relationships (~2 MB).
 * Run: node --expose-gc .examples-build/medical-codes/measure-memory.js
 * (REDIS_URL to measure an existing Redis; otherwise a private redis-server is started).
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createCache, type Cache } from 'mcp-cache'
import { createClient } from 'redis'
import { generateCptCodes, generateIcd10Codes, type MedicalCode } from './code-catalog.js'
import { CodeDatabase } from './code-database.js'
import { codeKey, crosswalkKey, hotCodesKey } from './code-keys.js'
import { startPrivateRedis } from './private-redis.js'

const CPT_COUNT = 50_000
const ICD10_COUNT = 100_000
const HOT_TEAMS = 10
const HOT_PER_TEAM = 1000
/** 2,000 ICD-10 codes with 5 linked procedures each: the seed's 10,000 relationships. */
const CROSSWALK_CODES = 2000
const BATCH = 500
const MB = 1024 * 1024

interface Item {
  readonly key: string
  readonly value: unknown
}
interface Row {
  readonly set: string
  readonly entries: number
  readonly jsonBytes: number
  readonly estimate: string
  memoryHeap?: number
  memoryEncoded?: number
  redis?: number
}

/** A full collection, for exact heap figures (needs --expose-gc, else it turns the flag on at run time). */
function gc(): void {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (exposed !== undefined) return exposed()
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

function heapUsed(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

async function loadAll(cache: Cache, items: readonly Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += BATCH) {
    const ok = await cache.mset(items.slice(start, start + BATCH).map(({ key, value }) => ({ key, value, options: { ttl: '1h' } })))
    if (!ok) throw new Error(`the store refused a batch at ${start}: see the log above`)
  }
}

async function buildSets(): Promise<Array<{ row: Row; items: Item[] }>> {
  const codeItems = (codes: readonly MedicalCode[]): Item[] => codes.map((entry) => ({ key: codeKey(entry.type, entry.code), value: entry }))
  const cpt = codeItems(generateCptCodes(CPT_COUNT))
  const icd10 = codeItems(generateIcd10Codes(ICD10_COUNT))
  const db = new CodeDatabase({ cptCount: CPT_COUNT, icd10Count: ICD10_COUNT, latencyMs: 0, hotCodesPerTeam: HOT_PER_TEAM })
  const hot: Item[] = []
  for (let team = 1; team <= HOT_TEAMS; team++) hot.push({ key: hotCodesKey(`team-${team}`), value: await db.hotCodes(`team-${team}`) })
  const crosswalk: Item[] = []
  for (const item of icd10.slice(0, CROSSWALK_CODES)) {
    const code = (item.value as MedicalCode).code
    crosswalk.push({ key: crosswalkKey(code), value: await db.crosswalk(code) })
  }
  const json = (items: readonly Item[]): number => items.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item.value)), 0)
  return [
    { row: { set: `${CPT_COUNT.toLocaleString('en-US')} CPT codes`, entries: cpt.length, jsonBytes: json(cpt), estimate: '~5 MB' }, items: cpt },
    { row: { set: `${ICD10_COUNT.toLocaleString('en-US')} ICD-10 codes`, entries: icd10.length, jsonBytes: json(icd10), estimate: '~15 MB' }, items: icd10 },
    { row: { set: `hot codes, ${HOT_TEAMS} orgs x ${HOT_PER_TEAM}`, entries: hot.length, jsonBytes: json(hot), estimate: `~${HOT_TEAMS * 100} KB` }, items: hot },
    { row: { set: `crosswalk, ${CROSSWALK_CODES * 5} relationships`, entries: crosswalk.length, jsonBytes: json(crosswalk), estimate: '~2 MB' }, items: crosswalk },
  ]
}

/**
 * Heap taken per set in the memory store. lru-cache allocates index arrays
 * sized to `maxEntries` up front (some on the first write), so the cache is
 * sized to the entries loaded and that fixed part is measured on its own.
 */
async function measureMemoryStore(sets: Array<{ row: Row; items: Item[] }>): Promise<number> {
  const entries = sets.reduce((sum, { items }) => sum + items.length, 0)
  const empty = heapUsed()
  const cache = createCache({ store: 'memory', memory: { maxEntries: entries + 1, maxBytes: 2 * 1024 * MB }, logger: false, stats: false })
  await cache.set('warmup:1', 1, { ttl: '1h' })
  await cache.delete('warmup:1')
  const fixed = heapUsed() - empty
  for (const { row, items } of sets) {
    const before = heapUsed()
    const encodedBefore = cache.inProcessUsage()?.bytes ?? 0
    await loadAll(cache, items)
    row.memoryHeap = heapUsed() - before
    row.memoryEncoded = (cache.inProcessUsage()?.bytes ?? 0) - encodedBefore
  }
  await cache.close()
  return fixed
}

async function measureRedis(sets: Array<{ row: Row; items: Item[] }>, url: string): Promise<string> {
  const prefix = 'mcp-measure'
  const cache = createCache({ store: 'redis', redis: { url, operationTimeout: '10s' }, prefix, logger: false, stats: false })
  const admin = createClient({ url })
  await admin.connect()
  const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  try {
    if (!(await cache.ready('10s'))) throw new Error(`Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')} did not answer`)
    for (const { row, items } of sets) {
      const before = await usedMemory()
      await loadAll(cache, items)
      row.redis = (await usedMemory()) - before
    }
    const sample = await admin.memoryUsage(`${prefix}:cpt:99213`)
    const sampleIcd = await admin.memoryUsage(`${prefix}:icd10:Z00.00`)
    const version = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?'
    return `Redis ${version}; MEMORY USAGE of one entry: cpt:99213 ${sample} B, icd10:Z00.00 ${sampleIcd} B`
  } finally {
    // Leave nothing behind in a Redis we did not start.
    await cache.clear().catch(() => 0)
    await cache.close()
    admin.destroy()
  }
}

const format = (bytes: number | undefined): string => (bytes === undefined ? '-' : `${(bytes / MB).toFixed(2)} MB`)

const sets = await buildSets()
const lruArrays = await measureMemoryStore(sets)
const external = process.env['REDIS_URL']?.trim()
const privateRedis = external ? undefined : await startPrivateRedis()
let redisNote: string
try {
  redisNote = await measureRedis(sets, external || (privateRedis?.url as string))
} finally {
  privateRedis?.stop()
}

console.log(`Node ${process.version}, ${new Date().toISOString()}`)
console.log('| set | entries | JSON of the values | memory store: heap | memory store: encoded bytes | Redis used_memory | seed estimate |')
console.log('|---|---:|---:|---:|---:|---:|---|')
for (const { row } of sets) {
  console.log(`| ${row.set} | ${row.entries.toLocaleString('en-US')} | ${format(row.jsonBytes)} | ${format(row.memoryHeap)} | ${format(row.memoryEncoded)} | ${format(row.redis)} | ${row.estimate} |`)
}
console.log(`memory store: lru-cache index arrays for ${sets.reduce((sum, { items }) => sum + items.length, 0).toLocaleString('en-US')} entries: ${format(lruArrays)} (fixed, not in the rows)`)
console.log(redisNote)
