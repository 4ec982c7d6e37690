/**
 * The router with Redis as its cache: the same scripted session on the shared
 * test Redis, a cache that outlives one server process, and the seed's
 * "fall back to the database on Redis errors" with a private Redis killed mid-run.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { sendCommand, startRedisServer, type RedisServerHandle } from '../../../test/helpers/redis-server.js'
import { startRouter, type RouterClient } from './router-client.js'
import { runScenario, step, type Step } from './scenario.js'

/** Our own key prefix on the shared Redis, so parallel test files never meet. */
const prefix = `test-router-${randomBytes(4).toString('hex')}`
const sharedRedis = (): Record<string, string> => ({ CACHE_BACKEND: 'redis', REDIS_URL: inject('redisUrl'), CACHE_PREFIX: prefix })

describe('experiment-router with the shared Redis', () => {
  let first: RouterClient | undefined
  let second: RouterClient | undefined
  let steps: Step[]
  beforeAll(async () => {
    first = await startRouter(sharedRedis())
    steps = await runScenario(first)
  })
  afterAll(async () => {
    await first?.close()
    await second?.close()
  })

  it('gives the same cached/fresh answers as the memory store', () => {
    const statuses = (names: string[]): unknown[] => names.map((name) => step(steps, name).body['status'])
    expect(statuses(['experiment first read', 'experiment second read', 'new assignment', 'assignment again'])).toEqual(['fresh', 'cached', 'fresh', 'cached'])
    expect(statuses(['event first delivery', 'event repeated', 'metrics after event'])).toEqual(['fresh', 'cached', 'fresh'])
    expect(step(steps, 'update name').body).toMatchObject({ data: { invalidatedEntries: 3 } })
    expect(statuses(['experiment after update', 'metrics after update', 'analytics after update'])).toEqual(['fresh', 'fresh', 'fresh'])
    expect(step(steps, 'new user while paused').isError).toBe(true)
  })

  it("holds every entry in Redis under the seed's key with the seed's TTL", async () => {
    const minutes = 60_000
    const variantId = (step(steps, 'new assignment').body['data'] as { variantId: string }).variantId
    // The session's last update (the pause) dropped the aggregates: read them back (twice, so their SET has landed).
    for (let read = 0; read < 2; read++) {
      await first?.call('event_metrics', { experiment_id: 'exp_123', variant_id: variantId, event_type: 'conversion', hour: '2024120114' })
      await first?.call('experiment_analytics', { experiment_id: 'exp_123', day: '20241201' })
    }
    const expected: Array<[string, number]> = [
      ['experiment:exp_123', 24 * 60 * minutes],
      ['assignment:exp_123:user_020', 60 * minutes],
      ['user:user_020:profile', 30 * minutes],
      [`metrics:exp_123:${variantId}:conversion:2024120114`, 15 * minutes],
      ['analytics:exp_123:20241201', 2 * 60 * minutes],
      ['event:evt_1:processed', 24 * 60 * minutes],
    ]
    for (const [key, ttl] of expected) {
      const pttl = Number((await sendCommand(inject('redisUrl'), 'PTTL', `${prefix}:${key}`)).slice(1))
      // Set during this file's session, so at most a minute has passed (-2 would mean the key is missing).
      expect([key, pttl > ttl - minutes && pttl <= ttl]).toEqual([key, true])
    }
  })

  it('keeps entries and event markers in Redis: a second server process is answered from the cache', async () => {
    await first?.close()
    first = undefined
    second = await startRouter(sharedRedis())
    // Its own SQLite never saw this profile read or this event: Redis did.
    expect((await second.call('get_user_profile', { user_id: 'user_020' })).body).toMatchObject({ status: 'cached' })
    const repeat = await second.call('record_event', {
      event_id: 'evt_1', experiment_id: 'exp_123', user_id: 'user_020', event_type: 'conversion', value: 12.5, occurred_at: '2024-12-01T14:45:00Z',
    })
    expect(repeat.body).toMatchObject({ status: 'cached', data: { duplicate: true, recorded: false } })
    expect((await second.call('router_health')).body).toMatchObject({ cache: { store: 'redis', healthy: true } })
  })
})

describe('experiment-router when its Redis dies', () => {
  let redis: RedisServerHandle
  let router: RouterClient
  beforeAll(async () => {
    redis = await startRedisServer()
    router = await startRouter({ CACHE_BACKEND: 'redis', REDIS_URL: redis.url, CACHE_PREFIX: 'router-fallback' })
  })
  afterAll(async () => {
    await router.close()
    await redis.stop()
  })

  it('answers from the database while Redis is down, and from the cache again once it is back', async () => {
    const exp = { experiment_id: 'exp_456' }
    expect((await router.call('get_experiment', exp)).body).toMatchObject({ status: 'fresh' })
    const second = await router.call('get_experiment', exp)
    expect(second.body).toMatchObject({ status: 'cached' })

    await redis.kill()
    const during = await router.call('get_experiment', exp)
    expect(during.isError).toBe(false)
    expect(during.body).toMatchObject({ status: 'fresh', data: { id: 'exp_456', name: 'Onboarding email subject' } })
    const assigned = await router.call('assign_variant', { ...exp, user_id: 'user_003' })
    expect(assigned).toMatchObject({ isError: false, body: { status: 'fresh', data: { userId: 'user_003' } } })
    // dedupe cannot ask Redis, so it lets the event through; the events table's key still stops a repeat.
    const event = { ...exp, event_id: 'outage_1', user_id: 'user_003', event_type: 'click', occurred_at: '2024-12-01T10:00:00Z' }
    expect((await router.call('record_event', event)).body).toMatchObject({ status: 'fresh', data: { recorded: true } })
    expect((await router.call('record_event', event)).body).toMatchObject({ status: 'fresh', data: { recorded: false, duplicate: true } })
    const health = (await router.call('router_health')).body as { cache: { healthy: boolean }; memory: { redis?: { error?: string } }; stats: { errors: number } }
    expect(health.cache.healthy).toBe(false)
    expect(health.stats.errors).toBeGreaterThan(0)
    // The memory figure says why it is missing instead of failing the health check.
    expect(health.memory.redis?.error).toContain('Redis did not answer INFO')

    await redis.restart()
    // The client reconnects with backoff and the breaker half-opens: poll until the cache answers again.
    let status: unknown
    for (let attempt = 0; attempt < 100 && status !== 'cached'; attempt++) {
      status = (await router.call('get_experiment', exp)).body['status']
      if (status !== 'cached') await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(status).toBe('cached')
  })
})

describe('experiment-router starting while Redis is down', () => {
  it('answers initialize as soon as on the memory store (measured side by side), then from the database', async () => {
    const timed = async (env: Record<string, string>): Promise<{ ms: number; router: RouterClient }> => {
      const started = performance.now()
      const router = await startRouter(env)
      return { ms: performance.now() - started, router }
    }
    const baseline = await timed({ CACHE_BACKEND: 'memory' })
    await baseline.router.close()
    const closed = await startRedisServer()
    const url = closed.url
    await closed.stop()
    const down = await timed({ CACHE_BACKEND: 'redis', REDIS_URL: url, CACHE_PREFIX: prefix, REDIS_TIMEOUT: '' })
    try {
      // It waited up to 5 s for Redis before; a refused connection now costs no wait at all.
      expect(down.ms).toBeLessThan(baseline.ms + 1500)
      const answer = await down.router.call('get_experiment', { experiment_id: 'exp_123' })
      expect(answer.isError).toBe(false)
      expect(answer.body['status']).toBe('fresh')
    } finally {
      await down.router.close()
    }
  })
})
