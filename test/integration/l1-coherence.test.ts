/**
 * Many instances, one cache: three processes with the tiered store on one Redis
 * keep their L1 copies coherent over the invalidation bus, and one that loses
 * the bus stops serving its L1 instead of serving what a peer changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheHealth } from '../../src/index.js'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'
import { FleetInstance } from '../helpers/tiered-fleet.js'

const HEARTBEAT_MS = 100
/** Far below the L1's own bound (maxTtl, 1 minute): only the bus can explain a copy replaced this fast. */
const BOUND_MS = 1_000

describe('three instances with tiered stores on one Redis', () => {
  let fleet: FleetInstance[] = []
  let proxy: FaultProxy
  beforeAll(async () => {
    const prefix = uniquePrefix('coherence').replaceAll(':', '-')
    proxy = await startFaultProxy(Number(new URL(redisUrl()).port))
    // The third instance reaches Redis through a proxy the last test cuts.
    fleet = await Promise.all([redisUrl(), redisUrl(), proxy.url].map((url) => FleetInstance.start(url, prefix, HEARTBEAT_MS)))
  })
  afterAll(async () => {
    await Promise.all(fleet.map((instance) => instance.stop()))
    await proxy.close()
  })

  /** Has every other instance hold `key` in L1, then changes it on the first and times when each sees it. */
  async function lagsOfChange(key: string, change: () => Promise<{ at?: number }>, expected: unknown): Promise<number[]> {
    const others = fleet.slice(1)
    const watches = others.map((instance) => instance.request({ op: 'watch', key, expect: expected, timeoutMs: 5_000 }))
    const { at } = await change()
    const seen = await Promise.all(watches)
    return seen.map((reply) => {
      expect(reply.timedOut, `an instance still answered ${JSON.stringify(reply.last)}`).toBeUndefined()
      return (reply.at ?? Number.NaN) - (at ?? Number.NaN)
    })
  }

  it('a write on one instance replaces the L1 copies of the others within the bound', async () => {
    const [writer, ...others] = fleet as [FleetInstance, ...FleetInstance[]]
    const lags: number[] = []
    for (let round = 0; round < 10; round++) {
      const key = `experiment:e${round}`
      await writer.request({ op: 'set', key, value: 'old' })
      // Each other instance now holds 'old' in its L1 for up to a minute.
      for (const instance of others) expect((await instance.request({ op: 'get', key })).value).toBe('old')
      lags.push(...(await lagsOfChange(key, () => writer.request({ op: 'set', key, value: { round } }), { round })))
    }
    lags.sort((a, b) => a - b)
    console.info(`L1 coherence over the bus: a write seen by the other instances after p50 ${lags[lags.length >> 1]?.toFixed(1)} ms, max ${lags.at(-1)?.toFixed(1)} ms`)
    expect(lags.at(-1)).toBeLessThan(BOUND_MS)
  })

  it('a delete and a tag invalidation on one instance reach the L1s of the others', async () => {
    const [writer, ...others] = fleet as [FleetInstance, ...FleetInstance[]]
    await writer.request({ op: 'set', key: 'patient:v1:500:1', value: 'record' })
    await writer.request({ op: 'set', key: 'patient:v1:500:2', value: 'tagged', tag: 'station-500' })
    for (const instance of others) {
      expect((await instance.request({ op: 'get', key: 'patient:v1:500:1' })).value).toBe('record')
      expect((await instance.request({ op: 'get', key: 'patient:v1:500:2' })).value).toBe('tagged')
    }
    for (const lag of await lagsOfChange('patient:v1:500:1', () => writer.request({ op: 'delete', key: 'patient:v1:500:1' }), undefined)) expect(lag).toBeLessThan(BOUND_MS)
    for (const lag of await lagsOfChange('patient:v1:500:2', () => writer.request({ op: 'invalidateTag', tag: 'station-500' }), undefined)) expect(lag).toBeLessThan(BOUND_MS)
  })

  it('an instance cut off from Redis flushes its L1 instead of serving what a peer changed; its peers keep theirs', async () => {
    const [writer, peer, cutOff] = fleet as [FleetInstance, FleetInstance, FleetInstance]
    const key = 'experiment:cut'
    await writer.request({ op: 'set', key, value: 'before' })
    // A read that overlaps the write's own announcement is not kept in L1: let it arrive first.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect((await cutOff.request({ op: 'get', key })).value).toBe('before')
    expect((await peer.request({ op: 'get', key })).value).toBe('before')
    proxy.set({ kind: 'blackhole' })
    try {
      // Still answered from L1 (Redis is unreachable): the window before the loss is noticed.
      expect((await cutOff.request({ op: 'get', key })).value).toBe('before')
      await writer.request({ op: 'set', key, value: 'after' })
      // The peer hears of the write; the cut-off instance cannot, and within 3 missed heartbeats
      // stops using its L1: its reads go to Redis, time out, and answer nothing rather than 'before'.
      expect((await peer.request({ op: 'watch', key, expect: 'after', timeoutMs: BOUND_MS })).timedOut).toBeUndefined()
      const gone = await cutOff.request({ op: 'watch', key, expect: undefined, timeoutMs: 3 * HEARTBEAT_MS + BOUND_MS })
      expect(gone.timedOut, `the cut-off instance still served ${JSON.stringify(gone.last)}`).toBeUndefined()
      expect(((await cutOff.request({ op: 'health' })).value as CacheHealth).bus).toMatchObject({ inSync: false })
      expect(((await peer.request({ op: 'health' })).value as CacheHealth).bus).toStrictEqual({ inSync: true, peers: 3, losses: 0 })
    } finally {
      proxy.set({ kind: 'pass' })
    }
    const back = await cutOff.request({ op: 'watch', key, expect: 'after', timeoutMs: 5_000 })
    expect(back.timedOut).toBeUndefined()
    // Back in sync once its fresh subscription hears its own heartbeat again.
    const deadline = Date.now() + 3_000
    let health = (await cutOff.request({ op: 'health' })).value as CacheHealth
    while (health.bus?.inSync !== true && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS / 2))
      health = (await cutOff.request({ op: 'health' })).value as CacheHealth
    }
    expect(health.bus?.inSync).toBe(true)
    expect(health.bus?.losses).toBeGreaterThan(0)
  })
})
