import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { cacheAside } from '../../src/cache/cache-aside.js'
import { cacheKey } from '../../src/keys/build-key.js'
import { describeCacheEngine } from '../helpers/cache-suite.js'

describeCacheEngine('memory', async (options) => createCache({ store: 'memory', logger: false, ...options }))

describe('createCache defaults', () => {
  it('uses the memory store and the mcp prefix when given no store', async () => {
    const cache = createCache({ logger: false })
    expect(cache.storeKind).toBe('memory')
    expect(cache.keyPrefix).toBe('mcp:')
    expect(await cache.ready()).toBe(true)
    await cache.close()
  })

  it('fails a closed cache with E_CACHE_CLOSED', async () => {
    const cache = createCache({ logger: false })
    await cache.close()
    await expect(cache.getOrSet('a:b', async () => 1)).rejects.toMatchObject({ code: 'E_CACHE_CLOSED' })
  })

  it('logs one debug line per getOrSet (and getInProcess hit) with a key hash, never the key or value, when asked', async () => {
    const lines: Array<Record<string, unknown>> = []
    const logger = { warn: () => {}, error: () => {}, info: () => {}, debug: (fields: Record<string, unknown>) => lines.push(fields) }
    const cache = createCache({ logger, logOperations: true })
    await cache.getOrSet('patient:v1:500:100841', async () => ({ name: 'PATIENT,DEMO' }))
    await cache.getOrSet('patient:v1:500:100841', async () => ({ name: 'PATIENT,DEMO' }))
    expect(cache.getInProcess('patient:v1:500:100841')?.status).toBe('hit')
    expect(lines.map((line) => line['status'])).toStrictEqual(['miss', 'hit', 'hit'])
    expect(lines[0]).toMatchObject({ op: 'getOrSet', category: 'patient', keyHash: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) })
    expect(JSON.stringify(lines)).not.toMatch(/100841|PATIENT/)
    await cache.close()
  })

  it('costs nothing to count when stats are off', async () => {
    const cache = createCache({ logger: false, stats: false })
    await cache.getOrSet('a:b', async () => 1)
    await cache.getOrSet('a:b', async () => 1)
    expect(cache.stats().hits).toBe(0)
    await cache.close()
  })
})

describe('cacheAside', () => {
  it('wraps a data-layer function: one origin call per key, options per call', async () => {
    const cache = createCache({ logger: false })
    const calls: string[] = []
    const getPatient = cacheAside(
      cache,
      (station: string, dfn: string, duz: string) => cacheKey({ category: 'patient', version: 'v1', identifier: [station, dfn], user: duz }),
      async (station: string, dfn: string) => {
        calls.push(`${station}/${dfn}`)
        return { station, dfn }
      },
      (station) => ({ ttl: station === '500' ? '10m' : '1m' }),
    )
    const [first, second] = await Promise.all([getPatient('500', '100841', '10958'), getPatient('500', '100841', '10958')])
    expect(first).toStrictEqual({ station: '500', dfn: '100841' })
    expect(second).toStrictEqual(first)
    await getPatient('500', '100841', '20001')
    expect(calls).toStrictEqual(['500/100841', '500/100841'])
    // A key the cache refuses rejects (it does not throw at the call).
    const badKey = cacheAside(cache, () => '~reserved', () => 1)
    await expect(badKey()).rejects.toThrow(/~/)
    await cache.close()
  })

  it('refuses a lock TTL too short for waiters to see the value', () => {
    expect(() => createCache({ logger: false, singleFlight: 'distributed', lockTtl: 10 })).toThrow(/lockTtl must be at least 100ms/)
  })
})
