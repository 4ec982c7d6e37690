/**
 * The interop codec (codec 'json', empty prefix): entries other programs read and write.
 * The other program is the real `redis-cli`, on a private redis-server.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'
import { loadConfig } from '../../src/config/load-config.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const run = promisify(execFile)

describe("codec 'json': plain JSON under the logical keys, shared with redis-cli", () => {
  let server: RedisServerHandle
  let cache: Cache
  /** redis-cli against the private server: the other program sharing the keys. */
  const cli = async (...args: string[]): Promise<string> => (await run('redis-cli', ['-u', server.url, ...args])).stdout.trim()

  beforeAll(async () => {
    server = await startRedisServer()
    // Configured from the environment as a seed's service would be: CACHE_PREFIX set and empty.
    cache = createCache({ ...loadConfig({ CACHE_BACKEND: 'redis', REDIS_URL: server.url, CACHE_CODEC: 'json', CACHE_PREFIX: '' }), logger: false })
    expect(await cache.ready('5s')).toBe(true)
  })
  afterAll(async () => {
    await cache.close()
    await server.stop()
  })

  it('writes plain JSON under the exact key, its freshness as the Redis TTL', async () => {
    expect(await cache.set('cpt:99213', { code: '99213', description: 'office visit', rvu: 1.3 }, { ttl: '1h' })).toBe(true)
    expect(JSON.parse(await cli('GET', 'cpt:99213'))).toEqual({ code: '99213', description: 'office visit', rvu: 1.3 })
    const ttl = Number(await cli('PTTL', 'cpt:99213'))
    expect(ttl).toBeGreaterThan(3_590_000)
    expect(ttl).toBeLessThanOrEqual(3_600_000)
    expect(await cli('KEYS', '*')).toBe('cpt:99213')
  })

  it('reads what redis-cli wrote, JSON or plain text, as a hit', async () => {
    await cli('SET', 'icd10:Z00.00', '{"code":"Z00.00","billable":true}', 'EX', '600')
    await cli('SET', 'greeting', 'hello there')
    let calls = 0
    const origin = () => {
      calls++
      return { from: 'origin' }
    }
    expect(await cache.getOrSetWithStatus('icd10:Z00.00', origin)).toEqual({ value: { code: 'Z00.00', billable: true }, status: 'hit' })
    expect(await cache.get('greeting')).toBe('hello there')
    expect(calls).toBe(0)
    // Freshness is Redis's: once the other program deletes the key, the origin answers and the key is back.
    await cli('DEL', 'icd10:Z00.00')
    expect(await cache.getOrSetWithStatus('icd10:Z00.00', origin, { ttl: '1m' })).toEqual({ value: { from: 'origin' }, status: 'miss' })
    expect(calls).toBe(1)
    expect(JSON.parse(await cli('GET', 'icd10:Z00.00'))).toEqual({ from: 'origin' })
    // Text that is not JSON is never taken for a corrupt entry and deleted: the key may be someone else's.
    expect(await cli('GET', 'greeting')).toBe('hello there')
  })

  it('stores a Date as its ISO text and refuses a Map, losing nothing for the caller', async () => {
    const at = new Date('2024-12-01T14:00:00.000Z')
    await cache.set('visit:1', { at, gone: undefined })
    expect(await cli('GET', 'visit:1')).toBe('{"at":"2024-12-01T14:00:00.000Z"}')
    const map = new Map([['a', 1]])
    expect(await cache.getOrSet('codes:map', () => ({ byTeam: map }))).toEqual({ byTeam: map })
    expect(await cli('EXISTS', 'codes:map')).toBe('0')
    await expect(cache.set('codes:map', { byTeam: map })).rejects.toThrow(/codec 'json' stores plain JSON, and the value holds a Map under 'byTeam'/)
    // A Buffer reaches a replacer already turned into {type, data} by its toJSON: refused all the same.
    expect(await cache.getOrSet('bin:1', () => Buffer.from('hi'))).toEqual(Buffer.from('hi'))
    await expect(cache.set('bin:1', { file: Buffer.from('hi') })).rejects.toThrow(/holds binary data under 'file'/)
    await expect(cache.set('score:1', { value: Number.NaN })).rejects.toThrow(/holds NaN under 'value'/)
    expect(await cli('EXISTS', 'bin:1')).toBe('0')
  })

  it("never replaces another program's hash, list or set under a shared key", async () => {
    await cli('HSET', 'user:1', 'name', 'alice')
    expect(await cache.getOrSet('user:1', () => ({ from: 'origin' }))).toEqual({ from: 'origin' })
    // The store refuses the write (WRONGTYPE, counted and logged), so set() reports it was not stored.
    expect(await cache.set('user:1', { from: 'origin' })).toBe(false)
    expect(await cli('TYPE', 'user:1')).toBe('hash')
    expect(await cli('HGET', 'user:1', 'name')).toBe('alice')
  })

  it('counts with INCR that redis-cli reads, and reads what redis-cli counted', async () => {
    expect(await cache.incr('usage:codes:requests', 2)).toBe(2)
    await cli('INCRBY', 'usage:codes:requests', '5')
    expect(await cache.get('usage:codes:requests')).toBe(7)
    expect(await cli('GET', 'usage:codes:requests')).toBe('7')
  })

  it("keeps a 'forever' entry without a TTL (the seed's drug info, cached indefinitely)", async () => {
    expect(await cache.set('drug_info:aspirin', { name: 'aspirin' }, { ttl: 'forever' })).toBe(true)
    expect(await cli('PTTL', 'drug_info:aspirin')).toBe('-1')
  })

  it('invalidates by tag and by pattern; refuses clear(), which would empty the whole database', async () => {
    await cache.set('hot:codes:team-1', ['99213'], { tags: ['team-1'] })
    await cache.set('hot:codes:team-2', ['99214'])
    await cli('SET', 'other:service:key', 'theirs')
    expect(await cache.invalidateTags(['team-1'])).toBe(1)
    expect(await cli('EXISTS', 'hot:codes:team-1')).toBe('0')
    expect(await cache.deleteByPattern('hot:codes:*')).toBe(1)
    await expect(cache.clear()).rejects.toThrow(/empty prefix would delete every key of the Redis database/)
    // A pattern or an export that starts with a wildcard would reach every key of the database too.
    await expect(cache.deleteByPattern('*')).rejects.toThrow(/deleteByPattern with an empty prefix needs a pattern that starts with literal text/)
    await expect(cache.deleteByPattern('*:*')).rejects.toThrow(/starts with literal text/)
    await expect(cache.exportEntries('*')[Symbol.asyncIterator]().next()).rejects.toThrow(/export with an empty prefix needs a pattern/)
    expect(await cli('GET', 'other:service:key')).toBe('theirs')
  })

  it('keeps dedupe markers and distributed single-flight working (one origin call for two processes)', async () => {
    expect(await cache.dedupe('event:e1:processed', '1m')).toBe(true)
    expect(await cache.dedupe('event:e1:processed', '1m')).toBe(false)
    const options = { ...loadConfig({ CACHE_BACKEND: 'redis', REDIS_URL: server.url, CACHE_CODEC: 'json', CACHE_PREFIX: '', CACHE_SINGLE_FLIGHT: 'distributed' }), logger: false as const }
    const [a, b] = [createCache(options), createCache(options)]
    try {
      let calls = 0
      const slow = async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, 100))
        return { loaded: true }
      }
      const results = await Promise.all([a.getOrSet('analytics:exp_1:20241201', slow, { ttl: '1m' }), b.getOrSet('analytics:exp_1:20241201', slow, { ttl: '1m' })])
      expect(results).toEqual([{ loaded: true }, { loaded: true }])
      expect(calls).toBe(1)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('reads entries the default codec wrote under the same keys (moving a cache from one codec to the other)', async () => {
    const envelope = createCache({ store: 'redis', prefix: 'move', redis: { url: server.url }, logger: false })
    const plain = createCache({ store: 'redis', prefix: 'move', codec: 'json', redis: { url: server.url }, logger: false })
    try {
      await envelope.set('cpt:1', { code: '1' })
      expect(await plain.get('cpt:1')).toEqual({ code: '1' })
      await plain.set('cpt:1', { code: '1', v: 2 })
      expect(JSON.parse(await cli('GET', 'move:cpt:1'))).toEqual({ code: '1', v: 2 })
    } finally {
      await Promise.all([envelope.close(), plain.close()])
    }
  })
})
