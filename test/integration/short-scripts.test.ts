/**
 * A cache used at once and closed at once, as short scripts and processes
 * started together do, with the CPU busy: early calls wait for the first
 * connection (so the processes share one origin call), and close() lets the
 * writes already issued land.
 */
import { execFile, spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const SCRIPT = join(import.meta.dirname, '..', 'fixtures', 'short-script.mjs')
const run = promisify(execFile)

describe('short scripts on Redis', () => {
  let redis: RedisServerHandle
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('processes started together share one origin call, and every write they issued lands, with the CPU busy', async () => {
    // Both cores busy for the whole test (each burner stops by itself).
    const burners = [0, 1].map(() => spawn(process.execPath, ['-e', 'const end = Date.now() + 15000; while (Date.now() < end) {}'], { stdio: 'ignore' }))
    try {
      const outputs = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, [SCRIPT, redis.url, 'short'], { timeout: 30_000 })))
      const results = outputs.map(({ stdout }) => JSON.parse(stdout) as { value: string; pid: number })
      expect(new Set(results.map((result) => result.value)).size).toBe(1)
      const cache = createCache({ store: 'redis', prefix: 'short', redis: { url: redis.url }, logger: false })
      try {
        expect(await cache.get('origin:calls')).toBe(1)
        for (const { pid } of results) expect(await cache.get(`written:${pid}`)).toStrictEqual({ pid })
      } finally {
        await cache.close()
      }
    } finally {
      for (const burner of burners) burner.kill()
    }
  })

  it('waits at most connectTimeout (plus one operation timeout) for a Redis that accepts and never answers, then uses the origin', async () => {
    // A peer that accepts the connection and says nothing: a frozen Redis, as at startup.
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const cache = createCache({ store: 'redis', redis: { url: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`, connectTimeout: '500ms', operationTimeout: '100ms' }, logger: false })
    try {
      const started = performance.now()
      expect(await cache.getOrSet('k', () => 'from origin', { ttl: '1m' })).toBe('from origin')
      const first = performance.now() - started
      expect(first).toBeLessThan(500 + 100 + 400)
      // The wait is paid once: later calls are bounded by the operation timeout alone.
      const again = performance.now()
      expect(await cache.getOrSet('k2', () => 'from origin', { ttl: '1m' })).toBe('from origin')
      expect(performance.now() - again).toBeLessThan(first)
    } finally {
      await cache.close()
      silent.close()
    }
  })

  it('falls back at once when the first connect fails: a refused Redis costs no connect timeout', async () => {
    const closed = `redis://127.0.0.1:${await findFreePort()}`
    const cache = createCache({ store: 'redis', redis: { url: closed, connectTimeout: '20s' }, logger: false })
    try {
      const started = performance.now()
      expect(await cache.getOrSet('k', () => 'from origin', { ttl: '1m' })).toBe('from origin')
      // Well under the 20 s connect timeout: the refusal ends the wait.
      expect(performance.now() - started).toBeLessThan(5000)
    } finally {
      await cache.close()
    }
  })
})
