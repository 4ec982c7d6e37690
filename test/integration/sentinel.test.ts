/**
 * The Redis store on a master found through Sentinel (a master, a replica and
 * three sentinels, all real): the store and engine suites, then failovers under
 * load (asked for, and after the master is killed) with zero failed calls and
 * the cache working against the new master.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'
import { RedisStore } from '../../src/stores/redis-store.js'
import { describeCacheEngine } from '../helpers/cache-suite.js'
import { startLoad } from '../helpers/load.js'
import { connectThroughProxy } from '../helpers/proxy-client.js'
import { sendCommand } from '../helpers/redis-server.js'
import { uniquePrefix } from '../helpers/redis.js'
import { startRedisSentinel, type RedisSentinelHandle } from '../helpers/redis-sentinel.js'
import { describeStoreConformance } from '../helpers/store-suite.js'

let group: RedisSentinelHandle
beforeAll(async () => {
  group = await startRedisSentinel({ name: 'cache-master', replicas: 1, sentinels: 3 })
})
afterAll(async () => {
  await group?.stop()
})

const redisOptions = () => ({ sentinels: group.sentinelUrls, name: group.name })
const prefixFor = (name: string): string => uniquePrefix(name).replaceAll(':', '-')

function sentinelCache(prefix: string): Cache {
  return createCache({ store: 'sentinel', redis: redisOptions(), prefix, logger: false })
}

describeStoreConformance(
  'sentinel',
  async () => {
    const store = new RedisStore(redisOptions())
    if (!(await store.ready(5000))) throw new Error('the sentinel client did not become ready')
    return store
  },
  () => uniquePrefix('sentinel-store'),
)
describeCacheEngine('sentinel', async (options) => {
  const cache = createCache({ store: 'sentinel', redis: redisOptions(), prefix: prefixFor('sentinel-engine'), logger: false, ...options })
  if (!(await cache.ready('5s'))) throw new Error('sentinel master not ready')
  return cache
})

/** Runs a getOrSet load through `during`, then checks no call failed and the cache writes to the new master. */
async function survives(name: string, during: () => Promise<string>): Promise<void> {
  const prefix = prefixFor(name)
  const cache = sentinelCache(prefix)
  try {
    expect(await cache.ready('5s')).toBe(true)
    expect((await cache.health()).topology).toBe('sentinel')
    const load = startLoad(8, async (i) => (await cache.getOrSetWithStatus(`report:r${i % 200}`, async () => `value ${i % 200}`, { ttl: '10m' })).status, 1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const faultAt = Date.now()
    const newMaster = await during()
    // Until node-redis has followed the sentinels to the new master, calls go to the origin; then hits resume.
    const resumed = Date.now()
    while (Date.now() - resumed < 10_000 && !(await cache.set('after', 'written after the failover'))) await new Promise((resolve) => setTimeout(resolve, 100))
    await new Promise((resolve) => setTimeout(resolve, 300))
    await load.stop()
    const failed = load.samples.filter((sample) => !sample.ok)
    expect(failed, failed[0]?.error).toHaveLength(0)
    const hitsAfter = load.samples.filter((sample) => sample.at > resumed && sample.status === 'hit').length
    expect(hitsAfter, 'hits after the failover').toBeGreaterThan(0)
    const degraded = load.samples.filter((sample) => sample.at > faultAt && sample.status !== 'hit')
    const window = degraded.length === 0 ? 0 : (degraded.at(-1)?.at ?? 0) - faultAt
    console.info(`${name}: ${load.samples.length} calls, none failed; served by the origin for ${window} ms after the fault (${degraded.length} calls)`)
    expect(await sendCommand(newMaster, 'GET', `${prefix}:after`)).toContain('written after the failover')
    expect(await sendCommand(newMaster, 'ROLE')).toContain('master')
  } finally {
    await cache.close()
  }
}

describe('the gateway on Sentinel', () => {
  it('`proxy --store sentinel --redis-sentinels --sentinel-name` caches tool calls on the master', async () => {
    const prefix = prefixFor('sentinel-proxy')
    const sentinels = group.sentinelUrls.map((url) => new URL(url).host).join(',')
    const proxy = await connectThroughProxy({ extraArgs: ['--store', 'sentinel', '--redis-sentinels', sentinels, '--sentinel-name', group.name], env: { CACHE_PREFIX: prefix } })
    try {
      expect((await proxy.call('lookup_code', { code: 'S1' })).status).toBe('miss')
      expect((await proxy.call('lookup_code', { code: 'S1' })).status).toBe('hit')
      expect(await sendCommand(await group.masterUrl(), 'KEYS', `${prefix}:*`)).toContain(prefix) // a test server: KEYS is fine here
    } finally {
      await proxy.close()
    }
  })
})

describe('failover under load', () => {
  it('SENTINEL FAILOVER: zero failed calls, and the cache works against the new master', async () => {
    const before = await group.masterUrl()
    await survives('sentinel-failover', async () => {
      const after = await group.failover()
      expect(after).not.toBe(before)
      return after
    })
  })

  it('the master killed: zero failed calls, and the cache works against the promoted replica', async () => {
    await survives('sentinel-kill', async () => {
      const killed = await group.killMaster()
      const deadline = Date.now() + 15_000
      let current = killed
      while (current === killed && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        current = await group.masterUrl()
      }
      expect(current).not.toBe(killed)
      return current
    })
  })
})
