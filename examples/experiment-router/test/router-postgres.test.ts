/**
 * The router on a REAL PostgreSQL 15 (a private server this file starts and
 * removes): the scripted session must give exactly the answers SQLite gives,
 * the database keeps what a restarted server relies on, and two servers on one
 * PostgreSQL and one Redis see each other's updates.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { startPostgres, type PostgresHandle } from './postgres-server.js'
import { startRouter, type RouterClient } from './router-client.js'
import { runScenario, type Step } from './scenario.js'

describe('experiment-router on PostgreSQL', () => {
  let postgres: PostgresHandle
  const started = performance.now()
  const clients: RouterClient[] = []
  const open = async (env: Record<string, string>): Promise<RouterClient> => {
    const client = await startRouter(env)
    clients.push(client)
    return client
  }
  beforeAll(async () => {
    postgres = await startPostgres()
  }, 120_000)
  afterAll(async () => {
    for (const client of clients) await client.close()
    const stopping = performance.now()
    await postgres?.stop()
    const { initdbMs, startMs, createDbMs } = postgres?.timings ?? { initdbMs: 0, startMs: 0, createDbMs: 0 }
    console.log(
      `[experiment-router] PostgreSQL test: initdb ${Math.round(initdbMs)} ms, start ${Math.round(startMs)} ms, ` +
      `create database ${Math.round(createDbMs)} ms, stop ${Math.round(performance.now() - stopping)} ms, ` +
      `whole file ${Math.round(performance.now() - started)} ms`)
  })

  it('answers the scripted session exactly as SQLite does', async () => {
    const onSqlite = await open({})
    const onPostgres = await open({ DATABASE_URL: postgres.url })
    const sqliteSteps: Step[] = await runScenario(onSqlite)
    const postgresSteps: Step[] = await runScenario(onPostgres)
    expect((await onPostgres.call('router_health')).body).toMatchObject({ database: 'postgres' })
    expect((await onSqlite.call('router_health')).body).toMatchObject({ database: 'sqlite' })
    expect(postgresSteps).toEqual(sqliteSteps)
    // Not an empty agreement: the transcripts hold the seeded aggregates and the recorded event.
    expect(postgresSteps.find((s) => s.name === 'analytics first read')?.body).toMatchObject({
      status: 'fresh', data: { variants: [{ variantId: 'control', assignedUsers: 5, events: 6, convertedUsers: 2, revenue: 42.5 }, {}, {}] },
    })
    expect(postgresSteps.find((s) => s.name === 'event repeated')?.body).toMatchObject({ status: 'cached', data: { duplicate: true } })
  })

  it('keeps its rows across a restart: the database still knows the event and the update', async () => {
    const restarted = await open({ DATABASE_URL: postgres.url })
    // A fresh memory cache has no dedupe marker, so the events table's key is what says "duplicate".
    const repeat = await restarted.call('record_event', {
      event_id: 'evt_1', experiment_id: 'exp_123', user_id: 'user_020', event_type: 'conversion', value: 12.5, occurred_at: '2024-12-01T14:45:00Z',
    })
    expect(repeat.body).toMatchObject({ status: 'fresh', data: { recorded: false, duplicate: true } })
    // The seed rows were not inserted twice, and the update made by the first server stands.
    expect((await restarted.call('get_experiment', { experiment_id: 'exp_123' })).body).toMatchObject({
      status: 'fresh', data: { name: 'Checkout button colour (round 2)', status: 'paused', version: 3 },
    })
  })

  it('lets two servers on one PostgreSQL and one Redis see each other\'s writes', async () => {
    const shared = { DATABASE_URL: postgres.url, CACHE_BACKEND: 'redis', REDIS_URL: inject('redisUrl'), CACHE_PREFIX: `test-router-pg-${randomBytes(4).toString('hex')}` }
    const a = await open(shared)
    const b = await open(shared)
    const exp = { experiment_id: 'exp_456' }
    // mcp-cache writes a missed value without making the caller wait for the SET. A's
    // second read rides the same Redis connection behind that SET, so once it answers
    // the entry is in Redis for B: the test reads twice instead of racing the write.
    expect((await a.call('get_experiment', exp)).body).toMatchObject({ status: 'fresh', data: { version: 1 } })
    expect((await a.call('get_experiment', exp)).body).toMatchObject({ status: 'cached' })
    expect((await b.call('get_experiment', exp)).body).toMatchObject({ status: 'cached', data: { version: 1 } })
    await a.call('update_experiment', { ...exp, description: 'Question subject line won the pilot' })
    expect((await b.call('get_experiment', exp)).body).toMatchObject({
      status: 'fresh', data: { version: 2, description: 'Question subject line won the pilot' },
    })
    const assigned = (await a.call('assign_variant', { ...exp, user_id: 'user_007' })).body as { data: { variantId: string } }
    expect((await a.call('assign_variant', { ...exp, user_id: 'user_007' })).body).toMatchObject({ status: 'cached' })
    expect((await b.call('assign_variant', { ...exp, user_id: 'user_007' })).body).toMatchObject({ status: 'cached', data: { variantId: assigned.data.variantId } })
  })
})
