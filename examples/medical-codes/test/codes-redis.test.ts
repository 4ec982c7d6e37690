/**
 * The server on Redis (CACHE_BACKEND=redis), checked with a real Redis client:
 * the store keys follow the seed's patterns under the cache prefix, carry the
 * seed's TTLs, the warmed hot codes are there right after start, and a second
 * server process sharing the Redis answers from it without its own origin.
 */
import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startCodesServer, type CodesClient } from './codes-client.js'

describe('medical-codes server on Redis', () => {
  const url = inject('redisUrl')
  const prefix = `test-medical-codes-${randomBytes(6).toString('hex')}`
  const redis = createClient({ url })
  let first: CodesClient
  let second: CodesClient | undefined

  /** Seconds left on a store key; -2 when it does not exist. */
  const ttlOf = (key: string): Promise<number> => redis.ttl(`${prefix}:${key}`)
  /** The TTL once the entry is written: a miss answers before its write to Redis lands. */
  const writtenTtl = async (key: string): Promise<number> => {
    await expect.poll(() => ttlOf(key), { timeout: 2000, interval: 20 }).toBeGreaterThan(0)
    return ttlOf(key)
  }

  beforeAll(async () => {
    await redis.connect()
    first = await startCodesServer({ CACHE_BACKEND: 'redis', REDIS_URL: url, CACHE_PREFIX: prefix, HOT_CODES_TEAMS: 'cardiology,team 7' })
  })
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()])
    // Only this file's keys: the Redis is shared with other test files.
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.del(keys)
    }
    redis.destroy()
  })

  it('has the hot codes in Redis with a 2 h TTL right after start, and serves them as a hit', async () => {
    // The first hot_codes call waits for the warming, which runs while the server already answers.
    expect(await first.call('hot_codes', { teamId: 'cardiology' })).toMatchObject({ isError: false, cache: 'hit' })
    const ttl = await ttlOf('hot:codes:cardiology')
    expect(ttl).toBeGreaterThan(7100)
    expect(ttl).toBeLessThanOrEqual(7200)
    // A team id with a space is percent-encoded into one segment.
    expect(await ttlOf('hot:codes:team%207')).toBeGreaterThan(7100)
    expect(await first.call('hot_codes', { teamId: 'team 7' })).toMatchObject({ isError: false, cache: 'hit', key: 'hot:codes:team%207' })
    expect((await first.originCounts()).byKind['hot_codes']).toBe(2)
  })

  it('stores codes, category lists and crosswalks under the seed keys with 1 h TTLs', async () => {
    await first.call('lookup_cpt', { code: '99213' })
    await first.call('lookup_icd10', { code: 'Z00.00' })
    await first.call('codes_by_category', { type: 'cpt', category: 'surgery' })
    await first.call('codes_by_category', { type: 'icd10', category: 'E11' })
    await first.call('crosswalk', { icd10: 'Z00.00' })
    await first.call('crosswalk', { icd10: 'Z00.00', cpt: '99213' })
    for (const key of ['cpt:99213', 'icd10:Z00.00', 'cpt:category:surgery', 'icd10:category:E11', 'crosswalk:Z00.00', 'crosswalk:Z00.00:99213']) {
      const ttl = await writtenTtl(key)
      expect(ttl, key).toBeGreaterThan(3500)
      expect(ttl, key).toBeLessThanOrEqual(3600)
    }
  })

  it('keys search results by a hash of the query, for 10 minutes', async () => {
    const search = await first.call('search_codes', { query: 'Chronic', type: 'icd10' })
    expect(search['key']).toMatch(/^search:[A-Za-z0-9_-]{43}$/)
    const ttl = await writtenTtl(search['key'] as string)
    expect(ttl).toBeGreaterThan(590)
    expect(ttl).toBeLessThanOrEqual(600)
    const storeKeys: string[] = []
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) storeKeys.push(...keys)
    expect(storeKeys.some((key) => key.toLowerCase().includes('chronic'))).toBe(false)
  })

  it('answers a second lookup from Redis, also in another server process, without reaching either origin', async () => {
    const miss = await first.call('lookup_cpt', { code: '93000' })
    expect(miss).toMatchObject({ cache: 'miss', key: 'cpt:93000' })
    const cptQueries = (await first.originCounts()).byKind['cpt']
    expect(await first.call('lookup_cpt', { code: '93000' })).toMatchObject({ cache: 'hit', code: miss['code'] })
    expect((await first.originCounts()).byKind['cpt']).toBe(cptQueries)

    second = await startCodesServer({ CACHE_BACKEND: 'redis', REDIS_URL: url, CACHE_PREFIX: prefix, HOT_CODES_TEAMS: '' })
    expect(await second.call('lookup_cpt', { code: '93000' })).toMatchObject({ cache: 'hit', code: miss['code'] })
    expect(await second.call('crosswalk', { icd10: 'Z00.00', cpt: '99213' })).toMatchObject({ cache: 'hit' })
    expect((await second.originCounts()).total).toBe(0)
    expect((await second.call('origin_stats', {}))['cache']).toMatchObject({ store: 'redis', hits: 2, misses: 0 })
  })
})
