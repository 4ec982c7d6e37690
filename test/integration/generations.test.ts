/**
 * Generations shared through one Redis by two caches (two processes, as two
 * gateways would be), on the Redis and tiered stores, and what a bump does
 * when Redis is down: it is owed, the entries it covers are bypassed, and it
 * lands once Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const keyOf = (tokens: readonly string[]) => `record:r1:${tokens.join('.')}`

/** Polls `condition` every 10 ms until it holds or `ms` passed. */
async function until(condition: () => Promise<boolean> | boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await condition()) return true
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return condition()
}

for (const store of ['redis', 'tiered'] as const) {
  describe(`generations shared by two ${store} caches on one Redis`, () => {
    let a: Cache
    let b: Cache
    beforeAll(async () => {
      const options = { store, prefix: uniquePrefix(`gens-${store}`).replaceAll(':', '-'), redis: { url: redisUrl() }, logger: false, l1: { heartbeat: '200ms' } } as const
      a = createCache(options)
      b = createCache(options)
      expect(await a.ready('5s')).toBe(true)
      expect(await b.ready('5s')).toBe(true)
    })
    afterAll(async () => {
      await a.close()
      await b.close()
    })

    it("orphans the other cache's entries with one bump: its next read has new tokens and no hit", async () => {
      const first = await a.generationsWithEntry(['tool:get_record'], a, keyOf)
      await a.set(keyOf(first?.tokens ?? []), 'old record')
      // b learns the same tokens and finds the entry (through Redis, or its L1 after the first read).
      const seen = await b.generationsWithEntry(['tool:get_record'], b, keyOf)
      expect(seen?.tokens).toStrictEqual(first?.tokens)
      expect(seen?.hit ?? (await b.get(keyOf(seen?.tokens ?? [])))).toBe('old record')
      expect(await a.bumpGenerations(['tool:get_record'], { reason: 'after update_record' })).toBe(true)
      // At once, on tiered too: tokens live in Redis only, never in an L1 that a bus message would reach late.
      const after = await b.generationsWithEntry(['tool:get_record'], b, keyOf)
      expect(after?.tokens).not.toStrictEqual(first?.tokens)
      expect(after?.hit).toBeUndefined()
      expect(await b.get(keyOf(after?.tokens ?? []))).toBeUndefined()
    })
  })
}

describe('a bump while Redis is down', () => {
  let server: RedisServerHandle
  let cache: Cache
  beforeAll(async () => {
    server = await startRedisServer()
    cache = createCache({ store: 'redis', redis: { url: server.url, operationTimeout: 100, reconnect: { max: 100 } }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
  })
  afterAll(async () => {
    await cache.close()
    await server.stop()
  })

  it('reads as unknown (the caller goes to the origin) while Redis is down, and lands once it is back', async () => {
    const before = await cache.generations(['tool:get_record', 'data'])
    expect(before).toHaveLength(2)
    await server.kill()
    expect(await cache.bumpGenerations(['tool:get_record'])).toBe(false)
    expect(await cache.generations(['tool:get_record'])).toBeUndefined()
    await server.restart()
    expect(await until(async () => (await cache.generations(['tool:get_record'])) !== undefined, 10_000)).toBe(true)
    expect((await cache.generations(['tool:get_record']))?.[0]).not.toBe(before?.[0])
    expect(cache.stats().errors).toBeGreaterThan(0)
  })
})
