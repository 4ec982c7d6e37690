/**
 * The seed's managed Redis shared with other services: with CACHE_CODEC=json and an
 * empty CACHE_PREFIX the server's entries are plain JSON under exactly `cpt:99213`,
 * which another program (here `redis-cli`, as a Python service would) reads, and what
 * that program writes is served as a hit. On a private redis-server: the keys have no prefix.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServerHandle } from '../../../test/helpers/redis-server.js'
import { startCodesServer, type CodesClient } from './codes-client.js'

const run = promisify(execFile)

describe('medical-codes server sharing its keys with other programs (CACHE_CODEC=json)', () => {
  let redis: RedisServerHandle
  let server: CodesClient
  const cli = async (...args: string[]): Promise<string> => (await run('redis-cli', ['-u', redis.url, ...args])).stdout.trim()

  beforeAll(async () => {
    redis = await startRedisServer()
    server = await startCodesServer({ CACHE_BACKEND: 'redis', REDIS_URL: redis.url, CACHE_CODEC: 'json', CACHE_PREFIX: '', HOT_CODES_TEAMS: '' })
  })
  afterAll(async () => {
    await server?.close()
    await redis?.stop()
  })

  it('writes cpt:99213 as plain JSON with the seed TTL, readable by redis-cli', async () => {
    const first = await server.call('lookup_cpt', { code: '99213' })
    expect(first).toMatchObject({ isError: false, cache: 'miss', key: 'cpt:99213' })
    // A miss answers before its write lands.
    await expect.poll(() => cli('EXISTS', 'cpt:99213'), { timeout: 2000, interval: 20 }).toBe('1')
    expect(JSON.parse(await cli('GET', 'cpt:99213'))).toEqual(first['code'])
    const ttl = Number(await cli('TTL', 'cpt:99213'))
    expect(ttl).toBeGreaterThan(3500)
    expect(ttl).toBeLessThanOrEqual(3600)
  })

  it('serves what another program wrote under the seed key as a hit, without its origin', async () => {
    const theirs = { type: 'cpt', code: '99215', category: 'evaluation-management', description: 'written by the billing service', synthetic: true }
    await cli('SET', 'cpt:99215', JSON.stringify(theirs), 'EX', '3600')
    const before = (await server.originCounts()).byKind['cpt'] ?? 0
    expect(await server.call('lookup_cpt', { code: '99215' })).toMatchObject({ isError: false, cache: 'hit', code: theirs })
    expect((await server.originCounts()).byKind['cpt'] ?? 0).toBe(before)
  })
})
