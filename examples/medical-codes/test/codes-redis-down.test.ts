/**
 * With CACHE_BACKEND=redis and nothing listening at REDIS_URL, the server
 * answers initialize at once (cold) and every lookup from the origin: a cache
 * outage costs speed, never an answer.
 */
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findFreePort } from '../../../test/helpers/redis-server.js'
import { startCodesServer, type CodesClient } from './codes-client.js'

describe('medical-codes server when Redis is down', () => {
  let server: CodesClient

  beforeAll(async () => {
    const closedPort = await findFreePort()
    server = await startCodesServer({ CACHE_BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${closedPort}`, CACHE_PREFIX: 'test-medical-codes-down' })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('answers initialize as soon as with the memory store (measured side by side), not after a wait for Redis', async () => {
    const timed = async (env: Record<string, string>): Promise<number> => {
      const started = performance.now()
      const client = await startCodesServer(env)
      const ms = performance.now() - started
      await client.close()
      return ms
    }
    const closedPort = await findFreePort()
    const baseline = await timed({ CACHE_BACKEND: 'memory' })
    const down = await timed({ CACHE_BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${closedPort}`, CACHE_PREFIX: 'test-medical-codes-down', REDIS_TIMEOUT: '' })
    // It waited 3 s for Redis before; a refused connection now costs no wait at all.
    expect(down).toBeLessThan(baseline + 1500)
  })

  it('skips the warming and answers each call from the origin', async () => {
    expect(await server.originCounts()).toMatchObject({ total: 0 })
    for (let round = 0; round < 2; round++) {
      expect(await server.call('lookup_cpt', { code: '99214' })).toMatchObject({ isError: false, cache: 'miss', code: { code: '99214' } })
      expect(await server.call('hot_codes', { teamId: 'cardiology' })).toMatchObject({ isError: false, cache: 'miss' })
    }
    expect((await server.originCounts()).byKind).toMatchObject({ cpt: 2, hot_codes: 2 })
  })
})
