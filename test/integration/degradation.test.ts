/**
 * A sick Redis must never fail or stall a getOrSet caller: each case asserts the
 * factory's value arrives within the operation timeout plus a small slack.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const OPERATION_TIMEOUT = 200
const SLACK = 100
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await work()
  return { value, ms: performance.now() - started }
}

describe('Redis on a closed port', () => {
  it('answers from the origin within the operation timeout and counts the errors', async () => {
    const port = await findFreePort()
    const cache = createCache({ store: 'redis', redis: { url: `redis://127.0.0.1:${port}`, operationTimeout: OPERATION_TIMEOUT }, logger: false })
    // Absorbs the one-time load of the Redis client module, which blocks the event loop briefly.
    expect(await cache.ready(100)).toBe(false)
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => timed(() => cache.getOrSetWithStatus(`patient:v1:500:${i}`, async () => `origin-${i}`))),
    )
    for (const [i, result] of results.entries()) {
      expect(result.value).toStrictEqual({ value: `origin-${i}`, status: 'miss' })
      expect(result.ms).toBeLessThan(OPERATION_TIMEOUT + SLACK)
    }
    expect(cache.stats().errors).toBeGreaterThanOrEqual(50)
    expect(await cache.ready(50)).toBe(false)
    expect((await cache.health()).healthy).toBe(false)
    await cache.close()
  })
})

describe('Redis frozen with SIGSTOP', () => {
  let server: RedisServerHandle
  let cache: Cache
  beforeAll(async () => {
    server = await startRedisServer()
    cache = createCache({ store: 'redis', redis: { url: server.url, operationTimeout: OPERATION_TIMEOUT, breaker: { openMs: 300 } }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
  })
  afterAll(async () => {
    await cache.close()
    await server.stop()
  })

  it('serves the factory value within the timeout while frozen, and hits again after SIGCONT', async () => {
    await cache.set('drug_analysis:aspirin', 'cached')
    server.freeze()
    try {
      const during = await Promise.all(
        Array.from({ length: 20 }, () => timed(() => cache.getOrSetWithStatus('drug_analysis:aspirin', async () => 'origin'))),
      )
      for (const result of during) {
        expect(result.value).toStrictEqual({ value: 'origin', status: 'miss' })
        expect(result.ms).toBeLessThan(OPERATION_TIMEOUT + SLACK)
      }
      // Past the breaker threshold calls fail fast instead of each waiting out a timeout.
      for (let i = 0; i < 6; i++) await cache.getOrSet(`drug_analysis:other-${i}`, async () => i)
      const fast = await timed(() => cache.getOrSet('drug_analysis:fast', async () => 'origin'))
      expect(fast.ms).toBeLessThan(50)
    } finally {
      server.thaw()
    }
    let status = 'miss'
    for (let attempt = 0; attempt < 40 && status !== 'hit'; attempt++) {
      await sleep(50)
      status = (await cache.getOrSetWithStatus('drug_analysis:aspirin', async () => 'origin')).status
    }
    expect(status).toBe('hit')
  })
})

describe('unreadable and refused values', () => {
  let server: RedisServerHandle
  let cache: Cache
  beforeAll(async () => {
    server = await startRedisServer()
    cache = createCache({ store: 'redis', prefix: 'app', redis: { url: server.url, operationTimeout: OPERATION_TIMEOUT }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
  })
  afterAll(async () => {
    await cache.close()
    await server.stop()
  })

  it('treats a foreign value under our key as a miss, deletes it and counts it', async () => {
    await server.command('SET', 'app:icd10:Z00.00', '{"written":"by another program"}')
    const result = await cache.getOrSetWithStatus('icd10:Z00.00', async () => ({ code: 'Z00.00' }))
    expect(result).toStrictEqual({ value: { code: 'Z00.00' }, status: 'miss' })
    expect(cache.stats().corrupt).toBe(1)
    expect((await cache.getOrSetWithStatus('icd10:Z00.00', async () => 'again')).status).toBe('hit')
  })

  it('treats a wrong-type key (a Redis set) as a miss', async () => {
    await server.command('SADD', 'app:cpt:99213', 'x')
    const result = await cache.getOrSetWithStatus('cpt:99213', async () => 'E/M visit')
    expect(result).toStrictEqual({ value: 'E/M visit', status: 'miss' })
    expect(await cache.get('cpt:99213')).toBe('E/M visit')
  })

  it('serves the origin when Redis refuses writes (maxmemory with noeviction)', async () => {
    await server.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
    await server.command('CONFIG', 'SET', 'maxmemory', '1')
    try {
      const result = await cache.getOrSetWithStatus('hot:codes:team-1', async () => ['99213'])
      expect(result).toStrictEqual({ value: ['99213'], status: 'miss' })
      expect(await cache.set('hot:codes:team-2', ['x'])).toBe(false)
      expect(cache.stats().errors).toBeGreaterThanOrEqual(2)
      // A reply error comes from a live server: reads must keep working.
      expect(await cache.get('cpt:99213')).toBe('E/M visit')
    } finally {
      await server.command('CONFIG', 'SET', 'maxmemory', '0')
    }
  })

  it('does not cache a value over maxEntryBytes, and still returns it', async () => {
    const small = createCache({ store: 'redis', prefix: 'small', redis: { url: server.url, maxEntryBytes: 1000 }, logger: false })
    expect(await small.ready('5s')).toBe(true)
    // Random bytes, so compression cannot bring it under the limit.
    const big = randomBytes(3000).toString('base64')
    let calls = 0
    expect(await small.getOrSet('ai_summary:big', async () => (calls++, big))).toBe(big)
    expect(await small.getOrSet('ai_summary:big', async () => (calls++, big))).toBe(big)
    expect(calls).toBe(2)
    await small.close()
  })
})
