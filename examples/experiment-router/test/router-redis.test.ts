/**
 * The router with Redis as its cache: the same scripted session on the shared
 * test Redis, a cache that outlives one server process, and the seed's
 * "fall back to the database on Redis errors" with a private Redis killed mid-run.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { startRedisServer, type RedisServerHandle } from '../../../test/helpers/redis-server.js'
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
    const health = (await router.call('router_health')).body as { cache: { healthy: boolean }; stats: { errors: number } }
    expect(health.cache.healthy).toBe(false)
    expect(health.stats.errors).toBeGreaterThan(0)

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
