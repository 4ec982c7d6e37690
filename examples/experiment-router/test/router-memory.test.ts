/**
 * The compiled router over stdio with the official MCP client, on the default
 * backends: SQLite (sql.js) and the in-process memory cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type RouterClient } from './router-client.js'
import { runScenario, SEED_HOUR, step, type Step } from './scenario.js'

describe('experiment-router on SQLite with the memory cache', () => {
  let router: RouterClient
  let steps: Step[]
  beforeAll(async () => {
    router = await startRouter()
    steps = await runScenario(router)
  })
  afterAll(async () => {
    await router.close()
  })

  const status = (name: string): unknown => step(steps, name).body['status']

  it('answers a first read fresh from the database and the second from the cache, under the seed key', () => {
    expect(status('experiment first read')).toBe('fresh')
    expect(status('experiment second read')).toBe('cached')
    expect(step(steps, 'experiment second read').body['cacheKey']).toBe('experiment:exp_123')
    expect(step(steps, 'experiment second read').body['data']).toEqual(step(steps, 'experiment first read').body['data'])
    expect(status('profile first read')).toBe('fresh')
    expect(step(steps, 'profile first read').body['cacheKey']).toBe('user:user_020:profile')
    expect(status('new assignment')).toBe('fresh')
    expect(status('assignment again')).toBe('cached')
    expect(step(steps, 'assignment again').body['cacheKey']).toBe('assignment:exp_123:user_020')
    expect([status('metrics first read'), status('metrics second read')]).toEqual(['fresh', 'cached'])
    expect(step(steps, 'metrics first read').body['cacheKey']).toMatch(new RegExp(`^metrics:exp_123:(control|variant_1|variant_2):conversion:${SEED_HOUR}$`))
    expect([status('analytics first read'), status('analytics second read')]).toEqual(['fresh', 'cached'])
    expect(step(steps, 'analytics first read').body['cacheKey']).toBe('analytics:exp_123:20241201')
  })

  it('records an event once: the repeated event id is answered from the dedupe marker', () => {
    expect(step(steps, 'event first delivery').body).toMatchObject({ status: 'fresh', data: { recorded: true, duplicate: false } })
    expect(step(steps, 'event repeated').body).toMatchObject({ status: 'cached', cacheKey: 'event:evt_1:processed', data: { recorded: false, duplicate: true } })
    const before = step(steps, 'metrics first read').body['data'] as { events: number; totalValue: number }
    const after = step(steps, 'metrics after event').body as { status: string; data: { events: number; totalValue: number } }
    // Counted once although sent twice, and read fresh because the event dropped the cached count.
    expect(after.status).toBe('fresh')
    expect(after.data.events).toBe(before.events + 1)
    expect(after.data.totalValue).toBeCloseTo(before.totalValue + 12.5)
    expect(status('analytics after event')).toBe('fresh')
  })

  it('drops the experiment, its metrics and its analytics when the experiment is updated', () => {
    expect(status('metrics before update')).toBe('cached')
    const update = step(steps, 'update name').body as { data: { invalidatedEntries: number } }
    expect(update.data.invalidatedEntries).toBe(3)
    expect(step(steps, 'experiment after update').body).toMatchObject({ status: 'fresh', data: { name: 'Checkout button colour (round 2)', version: 2 } })
    expect(status('metrics after update')).toBe('fresh')
    expect(status('analytics after update')).toBe('fresh')
  })

  it('refuses new assignments once paused (the cached experiment was dropped) but keeps known users', () => {
    expect(step(steps, 'new user while paused')).toMatchObject({ isError: true, body: { error: 'E_NOT_RUNNING' } })
    expect(step(steps, 'known user while paused').body).toMatchObject({ status: 'cached', data: { userId: 'user_020' } })
  })

  it('reports unknown ids as tool errors every time (refusals are not cached)', () => {
    expect(step(steps, 'unknown experiment')).toMatchObject({ isError: true, body: { error: 'E_NOT_FOUND' } })
    expect(step(steps, 'unknown experiment again')).toMatchObject({ isError: true, body: { error: 'E_NOT_FOUND' } })
  })

  it("routes one request the seed's way: experiment, assignment and profile, then the event", async () => {
    const request = { experiment_id: 'exp_456', user_id: 'user_012' }
    const first = await router.call('route_data', request)
    expect(first.body).toMatchObject({ experiment: { status: 'fresh' }, assignment: { status: 'fresh' }, profile: { status: 'fresh' } })
    const withEvent = await router.call('route_data', { ...request, event_type: 'click', event_id: 'route_1', occurred_at: '2024-12-01T15:00:00Z' })
    expect(withEvent.body).toMatchObject({
      experiment: { status: 'cached' }, assignment: { status: 'cached' }, profile: { status: 'cached' },
      event: { status: 'fresh', data: { recorded: true } },
    })
    // The seed's own call names no event id: the router derives one (router-seed-calls.test.ts tests how).
    const seedCall = await router.call('route_data', { ...request, event_type: 'click' })
    expect(seedCall).toMatchObject({ isError: false, body: { event: { status: 'fresh', data: { recorded: true, derivedEventId: true } } } })
  })

  it('says which backends answer and counts hits and misses', async () => {
    const { body } = await router.call('router_health')
    expect(body).toMatchObject({ database: 'sqlite', cache: { store: 'memory', healthy: true }, stats: { errors: 0 } })
    expect((body['stats'] as { hits: number }).hits).toBeGreaterThan(5)
  })

  it("logs one structured line per cache operation, as the seed's logger.info('Cache operation', ...), with CACHE_LOG_OPERATIONS", async () => {
    const logging = await startRouter({ CACHE_LOG_OPERATIONS: 'true', LOG_LEVEL: 'debug' })
    try {
      await logging.call('get_experiment', { experiment_id: 'exp_123' })
      await logging.call('get_experiment', { experiment_id: 'exp_123' })
      const operations = (): Array<Record<string, unknown>> => logging.stderr().split('\n')
        .filter((line) => line.includes('"op":"getOrSet"')).map((line) => JSON.parse(line) as Record<string, unknown>)
      // stderr arrives on its own pipe: wait for both lines, with a deadline.
      for (const deadline = Date.now() + 5_000; operations().length < 2 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20))
      const [miss, hit] = operations()
      expect(miss).toMatchObject({ category: 'experiment', status: 'miss', ms: expect.any(Number) })
      expect(hit).toMatchObject({ category: 'experiment', status: 'hit', keyHash: miss?.['keyHash'] })
      // The key itself is hashed, not printed (ids can be personal data).
      expect(logging.stderr()).not.toContain('exp_123')
    } finally {
      await logging.close()
    }
  })
})
