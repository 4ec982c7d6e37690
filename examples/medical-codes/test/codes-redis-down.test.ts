/**
 * With CACHE_BACKEND=redis and nothing listening at REDIS_URL, the server
 * still starts (cold, after the 3 s readiness wait) and answers every lookup
 * from the origin: a cache outage costs speed, never an answer.
 */
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

  it('skips the warming and answers each call from the origin', async () => {
    expect(await server.originCounts()).toMatchObject({ total: 0 })
    for (let round = 0; round < 2; round++) {
      expect(await server.call('lookup_cpt', { code: '99214' })).toMatchObject({ isError: false, cache: 'miss', code: { code: '99214' } })
      expect(await server.call('hot_codes', { teamId: 'cardiology' })).toMatchObject({ isError: false, cache: 'miss' })
    }
    expect((await server.originCounts()).byKind).toMatchObject({ cpt: 2, hot_codes: 2 })
  })
})
