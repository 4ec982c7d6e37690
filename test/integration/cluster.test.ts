/**
 * The Redis store on a real local Redis Cluster (3 masters, 3 replicas): the
 * store and engine suites, keys spread over every master and found on all of
 * them, and a failover and a resharding under load without one failed call.
 */
import { execFile } from 'node:child_process'
import net from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdminApp } from '../../src/admin/admin-app.js'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'
import { RedisStore } from '../../src/stores/redis-store.js'
import { TieredStore } from '../../src/stores/tiered-store.js'
import { describeCacheEngine } from '../helpers/cache-suite.js'
import { findOnPath } from '../helpers/ensure-installed.js'
import { connectThroughProxy } from '../helpers/proxy-client.js'
import { describeReadYourWrites } from '../helpers/read-your-writes.js'
import { startLoad } from '../helpers/load.js'
import { uniquePrefix } from '../helpers/redis.js'
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js'
import { findFreePort } from '../helpers/redis-server.js'
import { describeStoreConformance } from '../helpers/store-suite.js'

let cluster: RedisClusterHandle
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 })
})
afterAll(async () => {
  await cluster?.stop()
})

/** One seed is enough: node-redis discovers the others. */
const seeds = (): string[] => [cluster.rootUrls[0] ?? '']

async function connected(): Promise<RedisStore> {
  const store = new RedisStore({ nodes: seeds() })
  if (!(await store.ready(5000))) throw new Error('the cluster client did not become ready')
  return store
}

function clusterCache(prefix: string, options: Record<string, unknown> = {}): Cache {
  return createCache({ store: 'cluster', redis: { nodes: seeds() }, prefix, logger: false, ...options })
}

const prefixFor = (name: string): string => uniquePrefix(name).replaceAll(':', '-')

describeStoreConformance('cluster', connected, () => uniquePrefix('cluster-store'))
describeStoreConformance('tiered over a cluster', async () => new TieredStore(await connected()), () => uniquePrefix('cluster-tiered'))
describeCacheEngine('cluster', async (options) => {
  const cache = clusterCache(prefixFor('cluster-engine'), options)
  if (!(await cache.ready('5s'))) throw new Error('cluster not ready')
  return cache
})

// Generation keys and entries spread over the masters: a bump through one gateway is seen through the other.
describeReadYourWrites({ name: 'a 3-master cluster (two gateways)', gateways: 2, start: async () => ['--store', 'cluster', '--redis-nodes', seeds().join(',')] })

/** Keys of this prefix held by each master, counted with SCAN on the node itself. */
async function keysPerMaster(prefix: string): Promise<number[]> {
  return Promise.all(
    cluster.masterUrls.map(async (url) => {
      const reply = await cluster.command(url, 'SCAN', '0', 'MATCH', `${prefix}*`, 'COUNT', '10000')
      return (reply.match(/\r\n\$\d+\r\n/g)?.length ?? 1) - 1 // bulk strings after the cursor
    }),
  )
}

describe('a cache on the cluster', () => {
  it('spreads keys over every master, and lists, invalidates and clears them on all of them', async () => {
    const prefix = prefixFor('cluster-spread')
    const cache = clusterCache(prefix)
    try {
      expect(await cache.ready('5s')).toBe(true)
      expect((await cache.health()).topology).toBe('cluster')
      expect(await cache.mset(Array.from({ length: 60 }, (_, i) => ({ key: `report:r${i}`, value: i })))).toBe(true)
      await cache.mset(Array.from({ length: 30 }, (_, i) => ({ key: `user:u${i}`, value: i })))
      const spread = await keysPerMaster(`${prefix}:`)
      expect(spread.every((count) => count > 0), `keys per master: ${spread.join(', ')}`).toBe(true)
      expect(spread.reduce((a, b) => a + b)).toBe(90)

      const listed = new Set<string>()
      let cursor = '0'
      do {
        const page = await cache.inspectKeys('report:*', cursor, 7)
        for (const key of page.keys) listed.add(key.key)
        cursor = page.cursor
      } while (cursor !== '0')
      expect(listed.size).toBe(60)
      // The admin API pages through every master with the same cursors.
      const admin = createAdminApp({ cache, token: 'cluster-admin-token' })
      const viaAdmin = new Set<string>()
      let adminCursor = '0'
      do {
        const response = await admin.request(`/keys?pattern=${encodeURIComponent('report:*')}&count=7&cursor=${adminCursor}`, { headers: { authorization: 'Bearer cluster-admin-token' } })
        expect(response.status).toBe(200)
        const page = (await response.json()) as { keys: Array<{ key: string }>; cursor: string }
        for (const key of page.keys) viaAdmin.add(key.key)
        adminCursor = page.cursor
      } while (adminCursor !== '0')
      expect(viaAdmin.size).toBe(60)

      const values = await Promise.all(Array.from({ length: 60 }, (_, i) => cache.get(`report:r${i}`)))
      expect(values).toStrictEqual(Array.from({ length: 60 }, (_, i) => i))
      expect(await cache.deleteByPattern('report:*')).toBe(60)
      expect(await cache.get('report:r1')).toBeUndefined()
      expect(await cache.clear()).toBe(30)
      expect(await keysPerMaster(`${prefix}:`)).toStrictEqual([0, 0, 0])
      const info = await cache.serverInfo()
      expect(info?.['cluster_masters']).toBe('3')
    } finally {
      await cache.close()
    }
  })

  it('keeps the L1s of tiered instances on the cluster coherent over its pub/sub', async () => {
    const prefix = prefixFor('cluster-bus')
    const [a, b] = [0, 1].map(() => createCache({ store: 'tiered', redis: { nodes: seeds() }, prefix, l1: { heartbeat: 100 }, logger: false })) as [Cache, Cache]
    try {
      expect(await a.ready('5s')).toBe(true)
      expect(await b.ready('5s')).toBe(true)
      expect((await b.health()).bus).toMatchObject({ inSync: true })
      await a.set('experiment:e1', 'old')
      await new Promise((resolve) => setTimeout(resolve, 50)) // let a's own announcement pass before b reads
      expect(await b.get('experiment:e1')).toBe('old') // now in b's L1
      await a.set('experiment:e1', 'new')
      const deadline = Date.now() + 1_000
      while ((await b.get('experiment:e1')) !== 'new' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
      expect(await b.get('experiment:e1')).toBe('new')
      expect((await b.health()).bus?.peers).toBe(2)
      // A burst of writes: sharded pub/sub keeps one sender's messages in order, so no gap is
      // seen (classic PUBLISH went through any node and showed thousands of false gaps).
      for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 20 }, (_, i) => a.set(`experiment:burst${i}`, batch)))
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect((await b.health()).bus).toMatchObject({ inSync: true, losses: 0 })
      expect((await a.health()).bus).toMatchObject({ inSync: true, losses: 0 })
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('keeps one origin call per missing key across processes sharing the cluster (distributed single flight)', async () => {
    const prefix = prefixFor('cluster-flight')
    const caches = [0, 1, 2].map(() => clusterCache(prefix, { singleFlight: 'distributed' }))
    try {
      for (const cache of caches) expect(await cache.ready('5s')).toBe(true)
      let calls = 0
      const origin = async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, 50))
        return 'report'
      }
      const values = await Promise.all(caches.flatMap((cache) => Array.from({ length: 10 }, () => cache.getOrSet('report:big', origin))))
      expect(new Set(values)).toStrictEqual(new Set(['report']))
      expect(calls).toBe(1)
    } finally {
      await Promise.all(caches.map((cache) => cache.close()))
    }
  })
})

describe('the gateway on the cluster', () => {
  it('`proxy --store cluster --redis-nodes` caches tool calls in the cluster', async () => {
    const prefix = prefixFor('cluster-proxy')
    const seed = new URL(cluster.rootUrls[0] ?? '').host // a bare host:port, as an operator types it
    const proxy = await connectThroughProxy({ extraArgs: ['--store', 'cluster', '--redis-nodes', seed], env: { CACHE_PREFIX: prefix } })
    try {
      expect((await proxy.call('lookup_code', { code: 'C3' })).status).toBe('miss')
      expect((await proxy.call('lookup_code', { code: 'C3' })).status).toBe('hit')
      expect((await proxy.counts())['lookup_code']).toBe(1)
      expect((await keysPerMaster(`${prefix}:`)).reduce((a, b) => a + b)).toBeGreaterThan(0)
    } finally {
      await proxy.close()
    }
  })
})

describe('a cluster that is not reachable at start', () => {
  it('keeps trying its seeds while they refuse connections, and connects once they answer', async () => {
    // The seed's port refuses connections until a forwarder to a real node starts listening on it.
    const port = await findFreePort()
    const store = new RedisStore({ nodes: [`redis://127.0.0.1:${port}`], reconnect: { base: 50, max: 200 }, healthCheckInterval: 0 })
    const target = Number(new URL(cluster.rootUrls[0] ?? '').port)
    const forwarder = net.createServer((socket) => {
      const upstream = net.connect(target, '127.0.0.1')
      socket.pipe(upstream).pipe(socket)
      socket.on('error', () => upstream.destroy())
      upstream.on('error', () => socket.destroy())
    })
    try {
      expect(await store.ready(1000)).toBe(false)
      await new Promise<void>((resolve) => forwarder.listen(port, '127.0.0.1', resolve))
      expect(await store.ready(10_000)).toBe(true)
      expect(store.reconnects).toBe(0) // the link's own retries, not a replaced connection
    } finally {
      await store.close()
      await new Promise((resolve) => forwarder.close(resolve))
    }
  })
})

/** A steady getOrSet load over `keys` keys; the returned stop() gives every sample. */
function loadOn(cache: Cache, keys: number) {
  return startLoad(8, async (i) => (await cache.getOrSetWithStatus(`report:r${i % keys}`, async () => `value ${i % keys}`, { ttl: '10m' })).status, 1)
}

describe('changes of topology under load', () => {
  it('rides out a replica taking over a master with zero failed calls, then caches on the new master', async () => {
    const prefix = prefixFor('cluster-failover')
    const storeKey = `${prefix}:anything`
    const cache = clusterCache(prefix)
    try {
      expect(await cache.ready('5s')).toBe(true)
      const load = loadOn(cache, 300)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const promoted = await replicaOfMaster(await cluster.masterFor(storeKey))
      await cluster.failover(promoted)
      await new Promise((resolve) => setTimeout(resolve, 500))
      await load.stop()
      const failed = load.samples.filter((sample) => !sample.ok)
      expect(failed, failed[0]?.error).toHaveLength(0)
      expect(load.samples.filter((sample) => sample.status === 'hit').length).toBeGreaterThan(100)
      console.info(`failover under load: ${load.samples.length} calls, ${cache.stats().errors} store errors (each served by the origin)`)
      // Writes now land on the promoted node.
      expect(await cluster.masterFor(storeKey)).toBe(promoted)
      expect(await cache.set('anything', 'after the failover')).toBe(true)
      expect(await cluster.command(promoted, 'EXISTS', storeKey)).toBe(':1\r\n')
    } finally {
      await cache.close()
    }
  })

  it('follows MOVED and ASK while slots migrate between masters, with zero failed calls', async () => {
    const cache = clusterCache(prefixFor('cluster-reshard'))
    try {
      expect(await cache.ready('5s')).toBe(true)
      const load = loadOn(cache, 2000)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const [from, to] = cluster.masterUrls
      const ids = await Promise.all([from, to].map(async (url) => (await cluster.command(url ?? '', 'CLUSTER', 'MYID')).split('\r\n')[1] ?? ''))
      const redisCli = findOnPath('redis-cli') ?? 'redis-cli'
      const target = new URL(from ?? '').host
      await promisify(execFile)(redisCli, ['--cluster', 'reshard', target, '--cluster-from', ids[0] ?? '', '--cluster-to', ids[1] ?? '', '--cluster-slots', '300', '--cluster-yes', '--cluster-pipeline', '20'], { timeout: 60_000 })
      await new Promise((resolve) => setTimeout(resolve, 300))
      await load.stop()
      const failed = load.samples.filter((sample) => !sample.ok)
      expect(failed, failed[0]?.error).toHaveLength(0)
      const errors = cache.stats().errors
      // node-redis follows the redirects itself: not one call even fell back to the origin.
      expect(errors, `${errors} store errors in ${load.samples.length} calls`).toBe(0)
      expect(load.samples.filter((sample) => sample.status === 'hit').length).toBeGreaterThan(100)
    } finally {
      await cache.close()
    }
  })
})

/** The replica whose master is `masterUrl`, from CLUSTER NODES. */
async function replicaOfMaster(masterUrl: string): Promise<string> {
  const nodes = await cluster.command(masterUrl, 'CLUSTER', 'NODES')
  const myself = nodes.split('\n').find((line) => line.includes('myself'))?.split(' ')[0]
  const replicaLine = nodes.split('\n').find((line) => line.split(' ')[3] === myself)
  const port = replicaLine?.split(' ')[1]?.split(':')[1]?.split('@')[0]
  if (port === undefined) throw new Error(`no replica of ${masterUrl} in:\n${nodes}`)
  return `redis://127.0.0.1:${port}`
}
