/**
 * The seed's own calls, on both cache engines (memory and the shared Redis),
 * through the compiled server and the official MCP client: route_data without
 * an event id, invalidate_user_cache as update_user_profile, invalidate_cache
 * by pattern, and the health check's memory figure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendCommand } from '../../../test/helpers/redis-server.js'
import { ENGINES } from './engines.js'
import { startRouter, type RouterClient } from './router-client.js'

interface RoutedEvent { status: string; cacheKey: string; data: { eventId: string; derivedEventId?: boolean; recorded: boolean; duplicate: boolean; variantId?: string; hour?: string } }
interface Answer<T> { status: string; cacheKey: string; data: T }

/** `YYYYMMDDHH` of now, as the server buckets events. */
const currentHour = (): string => new Date().toISOString().slice(0, 13).replace(/[-T]/g, '')

describe.each(ENGINES)('the seed\'s calls with the $name cache', (engine) => {
  let router: RouterClient
  let env: Record<string, string>
  beforeAll(async () => {
    env = engine.env()
    router = await startRouter(env)
  })
  afterAll(async () => {
    await router?.close()
  })

  it("records the seed's own route_data({experiment_id, user_id, event_type}) once per hour, under a derived id", async () => {
    const seedCall = { experiment_id: 'exp_123', user_id: 'user_002', event_type: 'conversion' }
    let first: RoutedEvent | undefined
    let second: RoutedEvent | undefined
    // The id covers the UTC hour: should the two calls straddle an hour boundary, they are two events; send the pair again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const hourBefore = currentHour()
      const a = await router.call<{ event: RoutedEvent }>('route_data', seedCall)
      const b = await router.call<{ event: RoutedEvent }>('route_data', seedCall)
      expect([a.isError, b.isError]).toEqual([false, false])
      first = a.body.event
      second = b.body.event
      if (currentHour() === hourBefore) break
    }
    expect(first).toMatchObject({ status: 'fresh', data: { recorded: true, duplicate: false, derivedEventId: true, eventId: expect.stringMatching(/^auto_[0-9a-f]{24}$/) } })
    expect(second).toMatchObject({ status: 'cached', data: { recorded: false, duplicate: true, derivedEventId: true, eventId: first?.data.eventId } })
    // Sent twice, counted once.
    const metrics = await router.call<Answer<{ events: number }>>('event_metrics', {
      experiment_id: 'exp_123', variant_id: first?.data.variantId, event_type: 'conversion', hour: first?.data.hour,
    })
    expect(metrics.body.data.events).toBe(1)
  })

  it('derives the id from the hour of occurred_at: the same hour is a duplicate, the next hour a new event', async () => {
    const view = { experiment_id: 'exp_123', user_id: 'user_003', event_type: 'view' }
    const at = async (occurredAt: string): Promise<RoutedEvent> =>
      (await router.call<{ event: RoutedEvent }>('route_data', { ...view, occurred_at: occurredAt })).body.event
    const first = await at('2024-12-02T16:10:00Z')
    expect(first.data).toMatchObject({ recorded: true, hour: '2024120216', derivedEventId: true })
    expect((await at('2024-12-02T16:55:00Z')).data).toMatchObject({ recorded: false, duplicate: true, eventId: first.data.eventId })
    const nextHour = await at('2024-12-02T17:05:00Z')
    expect(nextHour.data).toMatchObject({ recorded: true, hour: '2024120217' })
    expect(nextHour.data.eventId).not.toBe(first.data.eventId)
    // An explicit event_id is still used as given, and an id without a type is refused.
    expect((await router.call<{ event: RoutedEvent }>('route_data', { ...view, event_id: 'own_id_1' })).body.event.data)
      .toMatchObject({ eventId: 'own_id_1', recorded: true })
    expect(await router.call('route_data', { experiment_id: 'exp_123', user_id: 'user_003', event_id: 'own_id_2' }))
      .toMatchObject({ isError: true, body: { error: 'E_INVALID_INPUT' } })
  })

  it("drops the user's cached profile and assignments when the profile changes: the next read shows the new data", async () => {
    const user = { user_id: 'user_004' }
    const assignment = { experiment_id: 'exp_456', ...user }
    expect((await router.call('get_user_profile', user)).body).toMatchObject({ status: 'fresh', data: { plan: 'pro', country: 'BR' } })
    expect((await router.call('get_user_profile', user)).body).toMatchObject({ status: 'cached', data: { plan: 'pro' } })
    const assigned = (await router.call<Answer<{ variantId: string }>>('assign_variant', assignment)).body
    expect(assigned.status).toBe('fresh')
    expect((await router.call('assign_variant', assignment)).body).toMatchObject({ status: 'cached' })

    const update = await router.call('update_user_profile', { ...user, plan: 'team', country: 'JP', display_name: 'Renamed User 004' })
    expect(update.body).toMatchObject({ status: 'fresh', cacheKey: 'user:user_004:profile', data: { invalidatedEntries: 2, profile: { plan: 'team' } } })

    expect((await router.call('get_user_profile', user)).body).toMatchObject({
      status: 'fresh', data: { plan: 'team', country: 'JP', displayName: 'Renamed User 004' },
    })
    expect((await router.call('get_user_profile', user)).body).toMatchObject({ status: 'cached', data: { plan: 'team' } })
    // The assignment is read again from its sticky row: same variant.
    expect((await router.call('assign_variant', assignment)).body).toMatchObject({ status: 'fresh', data: { variantId: assigned.data.variantId } })
    expect(await router.call('update_user_profile', { user_id: 'user_999', plan: 'pro' })).toMatchObject({ isError: true, body: { error: 'E_NOT_FOUND' } })
  })

  it("drops entries by the seed's patterns with invalidate_cache, and refuses any wider pattern", async () => {
    // Each read twice: whatever earlier tests cached, both are in the cache now.
    for (const experiment_id of ['exp_123', 'exp_201']) {
      await router.call('get_experiment', { experiment_id })
      expect((await router.call('get_experiment', { experiment_id })).body).toMatchObject({ status: 'cached' })
    }
    /** Whether Redis holds `key` under the router's prefix, asked as redis-cli would (Redis engine only). */
    const inRedis = async (key: string): Promise<boolean> => (await sendCommand(env['REDIS_URL'] ?? '', 'EXISTS', `${env['CACHE_PREFIX']}:${key}`)) === ':1\r\n'
    if (engine.name === 'redis') expect(await inRedis('experiment:exp_123')).toBe(true)
    expect((await router.call('invalidate_cache', { pattern: 'experiment:exp_123*' })).body).toEqual({ pattern: 'experiment:exp_123*', deletedEntries: 1 })
    // Gone from Redis itself, under the seed's key; its neighbour stays.
    if (engine.name === 'redis') expect([await inRedis('experiment:exp_123'), await inRedis('experiment:exp_201')]).toEqual([false, true])
    expect((await router.call('get_experiment', { experiment_id: 'exp_123' })).body).toMatchObject({ status: 'fresh' })
    expect((await router.call('get_experiment', { experiment_id: 'exp_201' })).body).toMatchObject({ status: 'cached' })

    await router.call('get_user_profile', { user_id: 'user_007' })
    expect((await router.call('get_user_profile', { user_id: 'user_007' })).body).toMatchObject({ status: 'cached' })
    expect((await router.call('invalidate_cache', { pattern: 'user:user_007*' })).body).toMatchObject({ deletedEntries: 1 })
    expect((await router.call('get_user_profile', { user_id: 'user_007' })).body).toMatchObject({ status: 'fresh' })

    // Whole categories (every user's entries), wildcards inside the id, and a many-star pattern
    // (one made the process backtrack for seconds per key) are all refused.
    for (const pattern of ['*', '*:*', '?*', '[a-z]*', 'exp*', 'user:*', 'experiment:*', 'user:a*b', 'assignment:[a-z]*', `event:${'*a'.repeat(16)}*b`]) {
      const refused = await router.call<{ error: string; message: string }>('invalidate_cache', { pattern })
      expect(refused.isError).toBe(true)
      expect(refused.body.error).toBe('E_INVALID_INPUT')
      expect(refused.body.message).toContain('must be a key category')
    }
    const empty = await router.call<{ error: string; message: string }>('invalidate_cache', { pattern: '' })
    expect(empty).toMatchObject({ isError: true, body: { error: 'E_INVALID_INPUT', message: expect.stringContaining('pattern is empty') } })
    // The refusals dropped nothing.
    expect((await router.call('get_experiment', { experiment_id: 'exp_201' })).body).toMatchObject({ status: 'cached' })
  })

  it('reports the memory the cache store uses, and the hit rate over all operations, in router_health', async () => {
    const { body } = await router.call<{
      memory: Record<string, Record<string, unknown>>; analytics: string; stats: { hits: number; totalOperations: number; hitRate: number }
    }>('router_health')
    expect(body.analytics).toBe('sql')
    expect(body.stats.hits).toBeGreaterThan(0)
    expect(body.stats.totalOperations).toBeGreaterThan(body.stats.hits)
    expect(body.stats.hitRate).toBeCloseTo(body.stats.hits / body.stats.totalOperations, 10)
    if (engine.name === 'redis') {
      expect(body.memory['inProcess']).toBeUndefined()
      expect(body.memory['redis']?.['usedMemory']).toBeGreaterThan(0)
      expect(body.memory['redis']?.['usedMemoryHuman']).toMatch(/^\d+(\.\d+)?[BKMGT]$/)
    } else {
      expect(body.memory['redis']).toBeUndefined()
      expect(body.memory['inProcess']?.['entries']).toBeGreaterThan(0)
      expect(body.memory['inProcess']?.['bytes']).toBeGreaterThan(0)
      expect(body.memory['inProcess']?.['maxBytes']).toBeGreaterThan(0)
    }
  })
})
