import { describe, expect, it } from 'vitest'
import { RedisStore } from '../../src/stores/redis-store.js'
import { TieredStore } from '../../src/stores/tiered-store.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { describeStoreConformance } from '../helpers/store-suite.js'

async function connected(): Promise<RedisStore> {
  const store = new RedisStore({ url: redisUrl() })
  if (!(await store.ready(5000))) throw new Error(`redis at ${redisUrl()} did not become ready`)
  return store
}

describeStoreConformance('redis', connected, () => uniquePrefix('redis-store'))
describeStoreConformance('tiered', async () => new TieredStore(await connected()), () => uniquePrefix('tiered-store'))

describe('GET batching', () => {
  it('sends the GETs of one tick as one MGET, and each caller gets its own value', async () => {
    const server = await startRedisServer()
    const store = new RedisStore({ url: server.url })
    try {
      expect(await store.ready(5000)).toBe(true)
      const entry = (value: unknown) => ({ value, freshUntil: Date.now() + 60_000, expiresAt: Date.now() + 60_000 })
      await store.mset(Array.from({ length: 64 }, (_, i) => [`batch:${i}`, entry(i)] as const))
      const calls = async (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await server.command('INFO', 'commandstats'))?.[1] ?? 0)
      const [getsBefore, mgetsBefore] = [await calls('get'), await calls('mget')]
      const values = await Promise.all(Array.from({ length: 64 }, async (_, i) => (await store.get(`batch:${i}`))?.value))
      expect(values).toStrictEqual(Array.from({ length: 64 }, (_, i) => i))
      expect(await calls('get')).toBe(getsBefore)
      expect(await calls('mget')).toBe(mgetsBefore + 1)
      // A miss and a wrong-type key in the same batch are misses; the others still answer.
      await server.command('SADD', 'batch:set', 'x')
      const mixed = await Promise.all(['batch:1', 'batch:none', 'batch:set'].map(async (key) => (await store.get(key))?.value))
      expect(mixed).toStrictEqual([1, undefined, undefined])
    } finally {
      await store.close()
      await server.stop()
    }
  })
})
