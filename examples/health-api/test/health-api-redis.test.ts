/**
 * The example on Redis (a private redis-server this file starts and stops):
 * the shared behaviour, the seed's key names and TTLs as Redis holds them,
 * hits shared between two instances, and answers that keep coming when Redis dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServerHandle } from '../../../test/helpers/redis-server.js'
import { apiSuite } from './api-suite.js'
import { call, startServer, type RunningServer } from './run-server.js'

/** Every `medinsight:*` key of the private server (SCAN, never KEYS; a few dozen keys fit one page). */
async function medinsightKeys(redis: RedisServerHandle): Promise<string[]> {
  const reply = await redis.command('SCAN', '0', 'MATCH', 'medinsight:*', 'COUNT', '10000')
  return reply.match(/^medinsight:[^\r\n]+$/gm) ?? []
}

/** PTTL of a key in ms (-1: no expiry, -2: no such key). */
async function pttl(redis: RedisServerHandle, key: string): Promise<number> {
  return Number(/^:(-?\d+)/.exec(await redis.command('PTTL', key))?.[1])
}

describe('health-api example, Redis store', () => {
  let redis: RedisServerHandle | undefined
  let server: RunningServer | undefined
  const running = (): RunningServer => {
    if (server === undefined) throw new Error('the server did not start')
    return server
  }

  beforeAll(async () => {
    redis = await startRedisServer()
    server = await startServer({ CACHE_BACKEND: 'redis', REDIS_URL: redis.url })
  })
  afterAll(async () => {
    await server?.stop()
    await redis?.stop()
  })

  apiSuite('redis', running)

  it('stores entries as medinsight:[category]:[identifier]:[sub_key] with the seed TTLs', async () => {
    if (redis === undefined) throw new Error('redis did not start')
    const { url } = running()
    const analysis = (await call(url, 'POST', '/api/v1/analyze-health', { body: { session_id: 'sess-keys', symptoms: ['vomiting', 'diarrhea'] } })).body
    const keys = await medinsightKeys(redis)
    const expected: Array<[string, number]> = [
      [`medinsight:health_analysis:${String(analysis['analysis_id'])}`, 3_600_000],
      ['medinsight:symptom:sess-keys:inputs', 1_800_000],
      ['medinsight:ai_summary:sess-keys', 7_200_000],
      ['medinsight:user:sess-keys:session', 3_600_000],
    ]
    for (const [key, ttlMs] of expected) {
      expect(keys).toContain(key)
      expect(await pttl(redis, key), key).toBeGreaterThan(ttlMs - 60_000)
      expect(await pttl(redis, key), key).toBeLessThanOrEqual(ttlMs)
    }
    // lisinopril was analysed again, by name alone, after the admin test cleared drug_analysis:*.
    expect(keys).toContain('medinsight:drug_analysis:lisinopril')
    expect(keys).toContain('medinsight:medication_interactions:aspirin%2Bwarfarin')
    expect(await pttl(redis, 'medinsight:medication_interactions:aspirin%2Bwarfarin')).toBeGreaterThan(86_400_000 - 60_000)
    // Counters are plain integers, readable with redis-cli as the seed's are.
    expect(await redis.command('GET', 'medinsight:usage:health_analysis:requests')).toMatch(/^\$\d+\r\n\d+\r\n$/)
  })

  it('keeps the seed\u2019s exact drug_analysis:{name} key, preferences for the user-session TTL, and drug info without expiry', async () => {
    if (redis === undefined) throw new Error('redis did not start')
    const { url } = running()
    await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'Aspirin' } })
    await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'aspirin', other_medications: ['warfarin'] } })
    await call(url, 'PUT', '/api/v1/users/123e4567-e89b-12d3-a456-426614174000/preferences', { body: { units: 'metric' } })
    await call(url, 'GET', '/api/v1/drug/info/aspirin')
    const preferences = 'medinsight:user:123e4567-e89b-12d3-a456-426614174000:preferences'
    // A miss answers before its write reaches Redis: wait for the keys, not for time.
    const server = redis
    await expect.poll(() => medinsightKeys(server), { timeout: 5_000, interval: 20 })
      .toEqual(expect.arrayContaining(['medinsight:drug_analysis:aspirin', preferences, 'medinsight:drug_info:aspirin']))
    const keys = await medinsightKeys(redis)

    // The seed's example key, exactly; the request with an option lives beside it under a sub_key.
    expect(keys.filter((key) => key.startsWith('medinsight:drug_analysis:aspirin:'))).toHaveLength(1)
    expect(await pttl(redis, 'medinsight:drug_analysis:aspirin')).toBeGreaterThan(86_400_000 - 60_000)
    expect(await pttl(redis, preferences)).toBeGreaterThan(3_600_000 - 60_000)
    expect(await pttl(redis, preferences)).toBeLessThanOrEqual(3_600_000)
    // The seed's "indefinitely": no expiry at all.
    expect(await pttl(redis, 'medinsight:drug_info:aspirin')).toBe(-1)
  })

  it('honours the seed\u2019s CACHE_TTL_USER_SESSION and CACHE_TTL_SYMPTOM_INPUT (seconds), and MCP_CACHE_ADMIN_TOKEN as the admin token', async () => {
    if (redis === undefined) throw new Error('redis did not start')
    const adminToken = 'chosen-admin-token-0123456789'
    const seeded = await startServer({ CACHE_BACKEND: 'redis', REDIS_URL: redis.url, CACHE_PREFIX: 'seedttl', CACHE_TTL_USER_SESSION: '600', CACHE_TTL_SYMPTOM_INPUT: '300', MCP_CACHE_ADMIN_TOKEN: adminToken })
    try {
      await call(seeded.url, 'POST', '/api/v1/analyze-health', { body: { session_id: 'sess-ttl', symptoms: ['cough'] } })
      await call(seeded.url, 'PUT', '/api/v1/users/sess-ttl/preferences', { body: { notifications: true } })
      const expected = [['seedttl:symptom:sess-ttl:inputs', 300_000], ['seedttl:user:sess-ttl:session', 600_000], ['seedttl:user:sess-ttl:preferences', 600_000]] as const
      for (const [key, ttlMs] of expected) {
        expect(await pttl(redis, key), key).toBeGreaterThan(ttlMs - 60_000)
        expect(await pttl(redis, key), key).toBeLessThanOrEqual(ttlMs)
      }
      expect((await call(seeded.url, 'GET', '/api/v1/redis/stats', { token: adminToken })).status).toBe(200)
      expect((await call(seeded.url, 'GET', '/api/v1/redis/stats', { token: 'wrong-token-0123456789' })).status).toBe(401)
    } finally {
      await seeded.stop()
    }
  })

  it('answers the seed\u2019s /performance from Redis INFO: memory and fragmentation, clients, ops/s, network I/O', async () => {
    const { url, adminToken: token } = running()
    expect((await call(url, 'GET', '/api/v1/redis/performance')).status).toBe(401)
    const reply = await call(url, 'GET', '/api/v1/redis/performance', { token })
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({
      version: expect.stringMatching(/^\d+\./),
      memory: { usedBytes: expect.any(Number), fragmentationRatio: expect.any(Number) },
      opsPerSecond: expect.any(Number),
      network: { inputKbps: expect.any(Number), outputKbps: expect.any(Number) },
    })
    expect((reply.body['memory'] as { usedBytes: number }).usedBytes).toBeGreaterThan(0)
    expect(reply.body['connectedClients']).toBeGreaterThanOrEqual(1)
  })

  it('a second instance on the same Redis is served from the first one\'s entries', async () => {
    if (redis === undefined) throw new Error('redis did not start')
    const body = { symptoms: ['fever', 'cough', 'muscle aches'], age: 41, medications: ['aspirin', 'warfarin'] }
    // The first instance holds the entry (written now, or still there from the first test).
    const first = await call(running().url, 'POST', '/api/v1/analyze-health', { body })
    expect(first.status).toBe(200)
    const server = redis
    await expect.poll(() => medinsightKeys(server), { timeout: 5_000 }).toContain(`medinsight:health_analysis:${String(first.body['analysis_id'])}`)
    const second = await startServer({ CACHE_BACKEND: 'redis', REDIS_URL: redis.url })
    try {
      const reply = await call(second.url, 'POST', '/api/v1/analyze-health', { body })
      const runs = (await call(second.url, 'GET', '/api/v1/usage')).body['origin_runs']
      expect(reply.body['cached']).toBe(true)
      expect(runs).toMatchObject({ health_analysis: 0, medication_interactions: 0 })
    } finally {
      await second.stop()
    }
  })

  it('keeps answering from the origin when Redis is stopped, without hanging', async () => {
    if (redis === undefined) throw new Error('redis did not start')
    const { url, adminToken } = running()
    // The seed's health check, open as the seed's curl calls it: the server's version, memory and keyspace.
    const up = await call(url, 'GET', '/api/v1/redis/health')
    expect(up.status).toBe(200)
    expect(up.body).toMatchObject({ status: 'healthy', connected: true, store: 'redis', redis_version: expect.stringMatching(/^\d+\./), used_memory: expect.any(Number) })
    expect((up.body['keyspace'] as Record<string, { keys: number }>)['db0']?.keys).toBeGreaterThan(0)
    await redis.stop()
    const body = { symptoms: ['sore throat', 'runny nose'], duration_days: 3 }
    const before = (await call(url, 'GET', '/api/v1/usage')).body['origin_runs'] as Record<string, number>
    const replies = []
    const started = performance.now()
    // A bound far below node-redis' 5 s default: a request that hangs on the dead Redis fails here.
    for (let i = 0; i < 3; i++) replies.push(await call(url, 'POST', '/api/v1/analyze-health', { body, timeoutMs: 3_000 }))
    const info = await call(url, 'GET', '/api/v1/drug/info/atorvastatin', { timeoutMs: 3_000 })
    console.log(`[redis down] 3 analyses + 1 info answered in ${Math.round(performance.now() - started)} ms (analysis delay 150 ms each)`)

    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200])
    expect(replies.map((reply) => reply.body['cached'])).toEqual([false, false, false])
    expect(info.status).toBe(200)
    const usage = (await call(url, 'GET', '/api/v1/usage', { timeoutMs: 3_000 })).body
    expect((usage['origin_runs'] as Record<string, number>)['health_analysis']).toBe((before['health_analysis'] ?? 0) + 3)
    expect((usage['counters'] as Record<string, unknown>)['usage:health_analysis:requests']).toBeNull()
    const ready = await call(url, 'GET', '/api/v1/redis/health/ready', { token: adminToken, timeoutMs: 3_000 })
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ status: 'down', healthy: false })
    // A poller of the seed's path sees the outage too.
    const down = await call(url, 'GET', '/api/v1/redis/health', { timeoutMs: 3_000 })
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ status: 'unhealthy', connected: false, store: 'redis' })
  })
})

describe('health-api starting while Redis is down', () => {
  it("listens at once with the seed's REDIS_TIMEOUT=60, and answers from the origin", async () => {
    const gone = await startRedisServer()
    const url = gone.url
    await gone.stop()
    // startServer gives up after 15 s without a URL: a server waiting the 60 s for Redis fails it.
    const server = await startServer({ CACHE_BACKEND: 'redis', REDIS_URL: url, REDIS_TIMEOUT: '60' })
    try {
      const info = await call(server.url, 'GET', '/api/v1/drug/info/aspirin')
      expect(info.status).toBe(200)
      expect(info.body).toMatchObject({ info: { name: 'aspirin' } })
      expect((await call(server.url, 'GET', '/api/v1/redis/health', { timeoutMs: 3_000 })).status).toBe(503)
    } finally {
      await server.stop()
    }
  })
})
