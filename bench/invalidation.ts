/**
 * What a write pays to invalidate one tool's results, on a real Redis, as the
 * number of cached entries grows: the first wave's way (SCAN for the tool's
 * keys in the shared space and every principal's, UNLINK what matched) side
 * by side with a generation bump (one write, whatever the number of entries).
 * Each size holds that many entries of the tool, spread over 100 principals,
 * and as many of another tool beside them. `npm run bench:invalidation`
 */
import { cpus } from 'node:os'
import { createCache } from '../src/cache/create-cache.js'
import type { Cache } from '../src/cache/cache.js'
import { startRedis } from './peers/redis-server.js'

const SIZES = [1_000, 10_000, 100_000]
const SCAN_ROUNDS = 3
const BUMPS = 300
const PRINCIPALS = 100

/** Writes `count` entries of `tool` (and of a neighbour tool) spread over the principals, in batches. */
async function fill(upstream: Cache, tool: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - start) }, (_, offset) => start + offset)
    const byPrincipal = new Map<number, Array<{ key: string; value: unknown }>>()
    for (const i of batch) {
      const items = byPrincipal.get(i % PRINCIPALS) ?? []
      items.push({ key: `call:${tool}:def:${i}`, value: { result: { content: [{ type: 'text', text: `record ${i}` }] }, storedAt: Date.now() } })
      items.push({ key: `call:other_tool:def:${i}`, value: { result: {}, storedAt: Date.now() } })
      byPrincipal.set(i % PRINCIPALS, items)
    }
    await Promise.all([...byPrincipal].map(([principal, items]) => upstream.forUser(`p${principal}`).mset(items.map((item) => ({ ...item, options: { ttl: '1h' } })))))
  }
}

/** The first wave's invalidation: SCAN the shared space and every principal's, UNLINK what matched. */
async function scanDelete(upstream: Cache, tool: string): Promise<number> {
  return (await upstream.deleteByPattern(`call:${tool}:*`)) + (await upstream.deleteByPattern(`~u.*:call:${tool}:*`))
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

async function main(): Promise<void> {
  const redis = await startRedis()
  const cache = createCache({ store: 'redis', redis: { url: redis.url, operationTimeout: '10s' }, prefix: 'bench-inv', logger: false, stats: false })
  if (!(await cache.ready('10s'))) throw new Error('redis did not answer')
  const rows: string[] = []
  try {
    for (const size of SIZES) {
      const upstream = cache.namespace(`up-${size}`)
      const scans: number[] = []
      for (let round = 0; round < SCAN_ROUNDS; round++) {
        process.stderr.write(`\r${size} entries: filling, SCAN round ${round + 1}/${SCAN_ROUNDS}   `)
        await fill(upstream, 'get_record', size)
        const started = performance.now()
        const deleted = await scanDelete(upstream, 'get_record')
        scans.push(performance.now() - started)
        if (deleted !== size) throw new Error(`SCAN deleted ${deleted} of ${size}`)
      }
      await fill(upstream, 'get_record', size)
      const bumps: number[] = []
      for (let i = 0; i < BUMPS; i++) {
        const started = performance.now()
        if (!(await upstream.bumpGenerations(['tool:get_record']))) throw new Error('bump refused')
        bumps.push(performance.now() - started)
      }
      await upstream.clear()
      scans.sort((a, b) => a - b)
      bumps.sort((a, b) => a - b)
      const scanMedian = quantile(scans, 0.5)
      const bumpMedian = quantile(bumps, 0.5)
      rows.push(
        `| ${size.toLocaleString('en-US')} | ${(size * 2).toLocaleString('en-US')} | ${scanMedian.toFixed(1)} | ${bumpMedian.toFixed(3)} | ${quantile(bumps, 0.99).toFixed(3)} | ${Math.round(scanMedian / bumpMedian).toLocaleString('en-US')}x |`,
      )
    }
  } finally {
    process.stderr.write('\n')
    await cache.close()
    await redis.stop()
  }
  console.log(`${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} vCPUs (${cpus()[0]?.model ?? 'unknown'}), one local redis-server.`)
  console.log(`SCAN + UNLINK: median of ${SCAN_ROUNDS} runs; generation bump: ${BUMPS} bumps. Times in ms.\n`)
  console.log('| entries of the tool | keys in Redis | SCAN + UNLINK | bump p50 | bump p99 | SCAN / bump |')
  console.log('|---:|---:|---:|---:|---:|---:|')
  for (const row of rows) console.log(row)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
