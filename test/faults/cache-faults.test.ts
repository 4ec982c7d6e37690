/**
 * The fault suite: a concurrent getOrSet load, and tools/call through
 * `mcp-cache proxy` on the same Redis, run while Redis is killed,
 * frozen, paused, slowed, blackholed, reset or left half-open. Every case
 * asserts zero failed calls, p99 during the fault within the operation timeout
 * + 50 ms, hits again within the reconnect backoff + 1 s after the fault ends,
 * and bounded memory. The figures are printed at the end (docs/RELIABILITY.md).
 */
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js'
import { connectThroughProxy, type ProxyClient } from '../helpers/proxy-client.js'
import { quantile, sleep, startLoad, timeToStatus } from '../helpers/load.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const OPERATION_TIMEOUT = 200
const RECONNECT_MAX = 500
const BREAKER_OPEN = 500
const HEALTH_INTERVAL = 250
const CONCURRENCY = 16
const KEYS = 50
const figures: string[] = []
/** What the origin returns: a small record, or (for the oversized case) more than the 1 MiB entry limit. */
let originValue: () => unknown = () => ({ name: 'from origin' })

interface Rig {
  readonly server: RedisServerHandle
  readonly proxy: FaultProxy
  readonly cache: Cache
  /** `mcp-cache proxy` on the same sick Redis, with the official client calling tools through it. */
  readonly gateway: ProxyClient
}

async function rig(serverArgs: string[] = []): Promise<Rig> {
  const server = await startRedisServer({ args: serverArgs })
  const proxy = await startFaultProxy(server.port)
  const cache = createCache({
    store: 'redis',
    logger: false,
    redis: {
      url: proxy.url,
      operationTimeout: OPERATION_TIMEOUT,
      reconnect: { max: RECONNECT_MAX },
      breaker: { openMs: BREAKER_OPEN },
      healthCheckInterval: HEALTH_INTERVAL,
    },
  })
  expect(await cache.ready('5s')).toBe(true)
  const gateway = await connectThroughProxy({
    extraArgs: ['--store', 'redis', '--redis-url', proxy.url],
    config: { cache: { redis: { operationTimeout: OPERATION_TIMEOUT, reconnect: { max: RECONNECT_MAX }, breaker: { openMs: BREAKER_OPEN }, healthCheckInterval: 250 } } },
  })
  return { server, proxy, cache, gateway }
}

async function teardown({ server, proxy, cache, gateway }: Rig): Promise<void> {
  await gateway.close()
  await cache.close()
  await proxy.close()
  await server.stop()
}

/** Runs the load through a fault and checks the promises; returns the figures line. */
async function throughFault(
  name: string,
  r: Rig,
  inject: () => Promise<void> | void,
  heal: () => Promise<void> | void,
  faultMs = 1500,
  concurrency = CONCURRENCY,
  /** Extra time to detect the fault's end that no socket reports (health checks). */
  detectionMs = 0,
): Promise<void> {
  for (let i = 0; i < KEYS; i++) await r.cache.set(`patient:${i}`, { dfn: i, name: `PATIENT,${i}` })
  const heapBefore = process.memoryUsage().heapUsed
  const load = startLoad(concurrency, async (i) => {
    const result = await r.cache.getOrSetWithStatus(`patient:${i % KEYS}`, async () => originValue(), { ttl: '10m' })
    return result.status
  }, 2)
  const calls = startLoad(4, async (i) => (await r.gateway.call('lookup_code', { code: `C${i % 10}` })).status as string, 2)
  await sleep(300)
  const faultStart = Date.now()
  await inject()
  await sleep(faultMs)
  const healedAt = Date.now()
  await heal()
  await sleep(RECONNECT_MAX + 1500)
  await Promise.all([load.stop(), calls.stop()])
  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024

  const during = load.samples.filter((sample) => sample.at >= faultStart && sample.at < healedAt)
  const failed = load.samples.filter((sample) => !sample.ok)
  const p99 = quantile(during, 0.99)
  const max = quantile(during, 1)
  const recovery = timeToStatus(load.samples, healedAt, 'hit')
  figures.push(
    `${name.padEnd(34)} calls ${String(load.samples.length).padStart(6)}  failed ${failed.length}  p99 during ${p99.toFixed(0).padStart(4)} ms (max ${max.toFixed(0)})  ` +
      `first hit after ${recovery === Infinity ? 'never' : `${recovery} ms`}  heap ${heapGrowthMb >= 0 ? '+' : ''}${heapGrowthMb.toFixed(1)} MB`,
  )
  const gatewayDuring = calls.samples.filter((sample) => sample.at >= faultStart && sample.at < healedAt)
  const gatewayFailed = calls.samples.filter((sample) => !sample.ok)
  const gatewayP99 = quantile(gatewayDuring, 0.99)
  const gatewayRecovery = timeToStatus(calls.samples, healedAt, 'hit')
  figures.push(
    `${'  tools/call through proxy'.padEnd(34)} calls ${String(calls.samples.length).padStart(6)}  failed ${gatewayFailed.length}  p99 during ${gatewayP99.toFixed(0).padStart(4)} ms  ` +
      `first hit after ${gatewayRecovery === Infinity ? 'never' : `${gatewayRecovery} ms`}`,
  )
  expect(gatewayFailed.map((sample) => sample.error)).toStrictEqual([])
  expect(gatewayDuring.length).toBeGreaterThan(0)
  expect(gatewayP99).toBeLessThanOrEqual(OPERATION_TIMEOUT + 50)
  expect(gatewayRecovery).toBeLessThanOrEqual(RECONNECT_MAX + 1000 + detectionMs)
  expect(failed.map((sample) => sample.error)).toStrictEqual([])
  expect(during.length).toBeGreaterThan(0)
  expect(p99).toBeLessThanOrEqual(OPERATION_TIMEOUT + 50)
  expect(recovery).toBeLessThanOrEqual(RECONNECT_MAX + 1000 + detectionMs)
  expect(heapGrowthMb).toBeLessThan(64)
}

afterAll(() => {
  console.log(`\nfault suite (operation timeout ${OPERATION_TIMEOUT} ms, ${CONCURRENCY} concurrent callers)\n${figures.join('\n')}`)
})

describe('getOrSet under Redis faults', () => {
  it('Redis killed with SIGKILL, then restarted', async () => {
    const r = await rig()
    await throughFault('SIGKILL, restart after 1.5 s', r, () => r.server.kill(), () => r.server.restart())
    await teardown(r)
  })

  it('Redis frozen with SIGSTOP, then SIGCONT', async () => {
    const r = await rig()
    await throughFault('SIGSTOP for 1.5 s', r, () => r.server.freeze(), () => r.server.thaw())
    await teardown(r)
  })

  it('CLIENT PAUSE ALL', async () => {
    const r = await rig()
    await throughFault('CLIENT PAUSE 1500 ALL', r, async () => void (await r.server.command('CLIENT', 'PAUSE', '1500', 'ALL')), () => undefined)
    await teardown(r)
  })

  it('latency above the operation timeout', async () => {
    const r = await rig()
    await throughFault('+400 ms latency', r, () => r.proxy.set({ kind: 'latency', ms: 400 }), () => r.proxy.set({ kind: 'pass' }))
    await teardown(r)
  })

  it('latency below the operation timeout', async () => {
    const r = await rig()
    await throughFault('+40 ms latency', r, () => r.proxy.set({ kind: 'latency', ms: 40 }), () => r.proxy.set({ kind: 'pass' }))
    await teardown(r)
  })

  it('blackhole: bytes accepted, nothing answered', async () => {
    const r = await rig()
    await throughFault('blackhole (stall) for 1.5 s', r, () => r.proxy.set({ kind: 'blackhole' }), () => r.proxy.set({ kind: 'pass' }))
    await teardown(r)
  })

  it('connections reset', async () => {
    const r = await rig()
    await throughFault('RST on every connection', r, () => r.proxy.resetAll(), () => undefined, 500)
    await teardown(r)
  })

  it('half-open connection (the peer vanished without FIN or RST)', async () => {
    const r = await rig()
    // Nothing reports a half-open connection: the health check finds it (two failed checks, one interval apart).
    await throughFault('half-open, new connections work', r, () => r.proxy.set({ kind: 'half-open' }), () => r.proxy.set({ kind: 'pass' }), 1500, CONCURRENCY, 3 * HEALTH_INTERVAL)
    await teardown(r)
  })

  it('maxmemory with noeviction: writes refused, calls still served', async () => {
    const r = await rig()
    await throughFault(
      'OOM (maxmemory 1, noeviction)',
      r,
      async () => {
        await r.server.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
        await r.server.command('CONFIG', 'SET', 'maxmemory', '1')
        await r.server.command('FLUSHALL')
      },
      () => r.server.command('CONFIG', 'SET', 'maxmemory', '0').then(() => undefined),
    )
    await teardown(r)
  })
})

describe('persistence and eviction under load', () => {
  it('AOF: entries and their TTLs survive a SIGKILL and restart', async () => {
    const r = await rig(['--appendonly', 'yes', '--appendfsync', 'everysec'])
    await throughFault(
      'SIGKILL with AOF, restart',
      r,
      async () => {
        await r.cache.set('icd10:Z00.00', { code: 'Z00.00' }, { ttl: '1h' })
        await sleep(1200) // everysec: give the AOF its fsync
        await r.server.kill()
      },
      () => r.server.restart(),
    )
    const { RedisStore } = await import('../../src/stores/redis-store.js')
    const direct = new RedisStore({ url: r.server.url })
    expect(await direct.ready(5000)).toBe(true)
    const survived = await direct.get('mcp:icd10:Z00.00')
    expect(survived?.value).toStrictEqual({ code: 'Z00.00' })
    const ttl = Number(await direct.command<number>('PTTL', ['mcp:icd10:Z00.00']))
    expect(ttl).toBeGreaterThan(3_500_000)
    expect(ttl).toBeLessThanOrEqual(3_600_000)
    await direct.close()
    await teardown(r)
  })

  it('maxmemory with allkeys-lru: old entries evicted, every call served', async () => {
    const r = await rig(['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'])
    // Random, so compression cannot shrink them under the limit.
    const big = randomBytes(15_000).toString('base64')
    await throughFault(
      'allkeys-lru at 3 MB, 20 KB values',
      r,
      async () => {
        for (let i = 0; i < 400; i++) await r.cache.set(`drug_analysis:bulk-${i}`, `${i}${big}`, { ttl: '1h' })
      },
      () => undefined,
      500,
    )
    const info = await r.server.command('INFO', 'stats')
    expect(Number(/evicted_keys:(\d+)/.exec(info)?.[1])).toBeGreaterThan(0)
    await teardown(r)
  })

  it('corrupt, foreign and wrong-type values under our keys are misses, not errors', async () => {
    const r = await rig()
    await throughFault(
      'corrupt / foreign / wrong-type values',
      r,
      async () => {
        for (let i = 0; i < KEYS; i += 3) await r.server.command('SET', `mcp:patient:${i}`, 'garbage not written by mcp-cache')
        for (let i = 1; i < KEYS; i += 3) await r.server.command('SADD', `mcp:patient:${i}`, 'a set')
        for (let i = 2; i < KEYS; i += 3) await r.server.command('SET', `mcp:patient:${i}`, '\u00ffM\u0001\u0000truncated')
      },
      () => undefined,
      500,
    )
    expect(r.cache.stats().corrupt).toBeGreaterThan(0)
    await teardown(r)
  })

  it('oversized values from the origin are served, never cached', async () => {
    const r = await rig()
    // 2.5 MB of base64: over the 1 MiB limit even deflated, so the codec refuses it from a sample
    const oversized = randomBytes(1_900_000).toString('base64')
    await throughFault(
      'origin returns 2.5 MB values',
      r,
      async () => {
        originValue = () => oversized
        await r.server.command('FLUSHALL')
      },
      () => {
        originValue = () => ({ name: 'from origin' })
      },
      500,
      // Each 2.5 MB miss costs the test process milliseconds of CPU; 4 callers keep that from
      // drowning the latency it measures (16 would measure this process's own backlog).
      4,
    )
    expect(await r.server.command('DBSIZE')).not.toMatch(/^:0/) // small values cached again after
    await teardown(r)
  })
})
