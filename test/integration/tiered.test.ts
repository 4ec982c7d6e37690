/** The tiered store with two instances on one Redis, and during an outage. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { RedisStore } from '../../src/stores/redis-store.js'
import { startFaultProxy } from '../helpers/fault-proxy.js'
import { TieredStore } from '../../src/stores/tiered-store.js'
import type { Cache } from '../../src/cache/cache.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('two tiered instances sharing one Redis', () => {
  let a: Cache
  let b: Cache
  beforeAll(async () => {
    const prefix = uniquePrefix('tiered-pair').replaceAll(':', '-')
    const options = { store: 'tiered', prefix, redis: { url: redisUrl() }, grace: '1m', logger: false } as const
    a = createCache(options)
    b = createCache(options)
    expect(await a.ready('5s')).toBe(true)
    expect(await b.ready('5s')).toBe(true)
  })
  afterAll(async () => {
    await a.close()
    await b.close()
  })

  it('reads a newer Redis value instead of refreshing when its own L1 copy went stale', async () => {
    await a.getOrSet('experiment:e1', async () => 'v1', { ttl: 80 })
    expect(await b.getOrSet('experiment:e1', async () => 'b-origin')).toBe('v1')
    await sleep(120)
    await a.set('experiment:e1', 'v2', { ttl: '1m' })
    let calls = 0
    const result = await b.getOrSetWithStatus('experiment:e1', async () => (calls++, 'b-origin'))
    expect(result).toStrictEqual({ value: 'v2', status: 'hit' })
    expect(calls).toBe(0)
  })
})

describe('a tiered store just created', () => {
  it('has its bus in sync once connected, not a heartbeat later, and loses nothing meanwhile', async () => {
    // Used at once: its bus starts while the first connection is still opening.
    const cache = createCache({ store: 'tiered', prefix: uniquePrefix('tiered-start').replaceAll(':', '-'), redis: { url: redisUrl() }, logger: false })
    let calls = 0
    await cache.getOrSet('patient:p1', async () => (calls++, { name: 'Ada' }))
    const started = Date.now()
    while (cache.busState?.inSync !== true && Date.now() - started < 800) await sleep(10)
    expect(cache.busState?.inSync).toBe(true) // heartbeats are 1 s apart: this came from subscribing
    await cache.getOrSet('patient:p1', async () => (calls++, 'again')) // fills L1 from Redis
    await sleep(1500) // past the first heartbeats
    expect(cache.busState).toMatchObject({ inSync: true, losses: 0 })
    expect(await cache.getOrSetWithStatus('patient:p1', async () => (calls++, 'again'))).toMatchObject({ status: 'hit' })
    expect(cache.inProcessUsage()?.entries).toBe(1)
    expect(calls).toBe(1)
    await cache.close()
  })
})

describe('tiered store while Redis is down', () => {
  let server: RedisServerHandle
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('still clears entries held only in L1 (with the bus off, L1 rides out the outage)', async () => {
    const cache = createCache({ store: 'tiered', redis: { url: server.url, operationTimeout: 100 }, l1: { bus: false }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
    await server.kill()
    await cache.getOrSet('session:s1', async () => 'kept in L1')
    expect(await cache.get('session:s1')).toBe('kept in L1')
    await cache.clear()
    expect(await cache.get('session:s1')).toBeUndefined()
    await cache.close()
  })
})

describe('a tiered store whose own write overtakes its read', () => {
  const options = () => ({ url: redisUrl() })
  const entry = (value: unknown) => ({ value, freshUntil: Date.now() + 60_000, expiresAt: Date.now() + 60_000 })

  it('does not put back what a read returned after its own delete or set of the key', async () => {
    // Replies come 50 ms late, so the read's MGET is on the wire before the write is sent.
    const proxy = await startFaultProxy(Number(new URL(redisUrl()).port))
    const store = new TieredStore(new RedisStore({ url: proxy.url, operationTimeout: 1000 }), { bus: false })
    const other = new RedisStore(options())
    try {
      expect(await store.ready(5000)).toBe(true)
      expect(await other.ready(5000)).toBe(true)
      proxy.set({ kind: 'latency', ms: 50 })
      const key = `${uniquePrefix('tiered-race')}:k`
      await other.set(key, entry('old'))
      const read = store.get(key)
      await new Promise((resolve) => setTimeout(resolve, 10))
      await store.delete([key])
      expect((await read)?.value).toBe('old') // the read was answered before the delete
      expect(await store.get(key)).toBeUndefined()

      await other.set(key, entry('old'))
      const second = store.get(key)
      await new Promise((resolve) => setTimeout(resolve, 10))
      await store.set(key, entry('new'))
      expect((await second)?.value).toBe('old')
      expect((await store.get(key))?.value).toBe('new')
    } finally {
      await Promise.all([store.close(), other.close()])
      await proxy.close()
    }
  })

  it('drops its older L1 copy when a new value is too large for L1', async () => {
    const store = new TieredStore(new RedisStore(options()), { bus: false, maxEntryBytes: 1000 })
    try {
      expect(await store.ready(5000)).toBe(true)
      const key = `${uniquePrefix('tiered-large')}:k`
      await store.set(key, entry('small'))
      await store.set(key, entry('x'.repeat(5000)))
      expect((await store.get(key))?.value).toBe('x'.repeat(5000))
      await store.mset([[key, entry('small again')]])
      await store.mset([[key, entry('y'.repeat(5000))]])
      expect((await store.get(key))?.value).toBe('y'.repeat(5000))
    } finally {
      await store.close()
    }
  })
})
