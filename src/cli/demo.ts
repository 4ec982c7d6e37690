import { createCache } from '../cache/create-cache.js'
import { cacheKey } from '../keys/build-key.js'
import { redactSecrets } from '../log/redact.js'
import { errorMessage } from '../errors.js'

/** Options of the demo command. */
export interface DemoOptions {
  /** Simulated origin latency in ms. */
  readonly originMs: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Cache-aside at work, on whatever store the environment selects (memory by
 * default): a slow VistA-like origin, a miss then hits, two users kept apart,
 * a stampede collapsed into one origin call, and the stats at the end.
 */
export async function runDemo(options: DemoOptions, print: (line: string) => void = console.log): Promise<void> {
  const cache = createCache()
  if (cache.storeKind !== 'memory' && !(await cache.ready('5s'))) {
    print(`! ${cache.storeKind} store not reachable: every call below falls back to the origin`)
  }
  let originCalls = 0
  const fetchPatient = async (station: number, dfn: number, userDuz: string) => {
    originCalls++
    await sleep(options.originMs)
    return { station, dfn, name: 'PATIENT,DEMO', dob: new Date('1961-04-12'), medications: ['LISINOPRIL 10MG'], fetchedFor: userDuz }
  }

  print(`mcp-cache demo: ${cache.storeKind} store, prefix ${cache.keyPrefix}, origin latency ${options.originMs} ms`)
  print('')
  print(`${'call'.padEnd(44)} status   latency`)
  const call = async (label: string, userDuz: string) => {
    const key = cacheKey({ category: 'patient', version: 'v1', identifier: [500, 100841], user: userDuz })
    const started = performance.now()
    const result = await cache.getOrSetWithStatus(key, () => fetchPatient(500, 100841, userDuz), { ttl: '10m' })
    const ms = performance.now() - started
    print(`${label.padEnd(44)} ${result.status.padEnd(8)} ${ms.toFixed(ms < 1 ? 3 : 1).padStart(8)} ms`)
  }
  await call('get_patient 500/100841 as user 10000000219', '10000000219')
  await call('get_patient 500/100841 as user 10000000219', '10000000219')
  await call('get_patient 500/100841 as user 10000000219', '10000000219')
  await call('get_patient 500/100841 as user 10000000220', '10000000220')

  const before = originCalls
  const started = performance.now()
  await Promise.all(
    Array.from({ length: 100 }, () => cache.getOrSet('icd10:Z00.00', async () => (originCalls++, await sleep(options.originMs), 'General adult medical examination'))),
  )
  print('')
  print(`100 concurrent lookups of icd10:Z00.00 -> ${originCalls - before} origin call in ${(performance.now() - started).toFixed(0)} ms`)

  const stats = cache.stats()
  print('')
  print(`stats: ${stats.hits} hits, ${stats.misses} misses, ${stats.coalesced} coalesced, hit rate ${(stats.hitRate * 100).toFixed(0)}%, ` +
    `p50 ${stats.latency.p50} ms, p99 ${stats.latency.p99} ms, store errors ${stats.errors}`)
  print(`origin calls: ${originCalls} (without the cache: ${4 + 100})`)
  await cache.close()
}

/** Prints an error for people: its code and message, secrets removed. */
export function describeError(error: unknown): string {
  const code = (error as { code?: unknown }).code
  const message = errorMessage(error)
  return redactSecrets(typeof code === 'string' ? `${code}: ${message}` : message)
}
