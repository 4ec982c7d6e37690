/**
 * Analytics from a REAL ClickHouse (a private clickhouse-server this file
 * starts and removes), behind the real mcp-cache engine, memory and Redis: the
 * scripted session gives SQL's figures, rows inserted straight into ClickHouse
 * come back `fresh` then `cached`, and a ClickHouse that goes away is
 * reported. When clickhouse-server is missing and cannot be installed here, the
 * ClickHouse tests are skipped with a message saying why; one that is there but
 * does not start fails them.
 */
import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { findFreePort, sendCommand } from '../../../test/helpers/redis-server.js'
import { ClickHouseMissing, startClickHouse, type ClickHouseHandle } from './clickhouse-server.js'
import { ENGINES } from './engines.js'
import { SERVER, startRouter, type RouterClient } from './router-client.js'
import { runScenario, type Step } from './scenario.js'

/**
 * A private server, tried twice (a free port can be taken between choosing and binding it).
 * Only a missing binary skips the tests: a server that is there but does not start fails them.
 */
async function privateClickHouse(): Promise<ClickHouseHandle | ClickHouseMissing> {
  try {
    return await startClickHouse()
  } catch (error) {
    if (error instanceof ClickHouseMissing) return error
    return startClickHouse()
  }
}
const started = await privateClickHouse()
const clickhouse: ClickHouseHandle | undefined = started instanceof ClickHouseMissing ? undefined : started
const skipReason = started instanceof ClickHouseMissing ? started.message : undefined
if (skipReason !== undefined) console.warn(`[experiment-router] SKIPPING the ClickHouse tests: clickhouse-server cannot run here: ${skipReason}`)
else console.log(`[experiment-router] private ClickHouse 18.16 answered /ping ${Math.round(clickhouse?.startMs ?? 0)} ms after spawn`)

interface Metrics { status: string; cacheKey: string; data: { events: number; users: number; totalValue: number } }
interface VariantLine { variantId: string; assignedUsers: number; events: number; convertedUsers: number; revenue: number }
interface Analytics { status: string; data: { variants: VariantLine[] } }

/** The transcript without the `clickhouse` field only a ClickHouse router adds to recorded events. */
function withoutCopyField(steps: readonly Step[]): unknown {
  return JSON.parse(JSON.stringify(steps, (key, value: unknown) => (key === 'clickhouse' ? undefined : value)))
}

describe('experiment-router with analytics from ClickHouse', () => {
  const clients: RouterClient[] = []
  const open = async (env: Record<string, string>): Promise<RouterClient> => {
    const client = await startRouter(env)
    clients.push(client)
    return client
  }
  afterAll(async () => {
    for (const client of clients) await client.close()
    const stopping = performance.now()
    await clickhouse?.stop()
    if (clickhouse !== undefined) console.log(`[experiment-router] ClickHouse stopped in ${Math.round(performance.now() - stopping)} ms`)
  })

  it.skipIf(skipReason !== undefined)('answers the scripted session with the figures SQL gives: events are copied at start and on record_event', async () => {
    const ch = clickhouse as ClickHouseHandle
    const onSql = await open({})
    const onClickHouse = await open({ CLICKHOUSE_URL: ch.url('router_scenario') })
    const sqlSteps = await runScenario(onSql)
    const clickhouseSteps = await runScenario(onClickHouse)
    expect(withoutCopyField(clickhouseSteps)).toEqual(withoutCopyField(sqlSteps))
    // Not an empty agreement: the seeded figures came from ClickHouse, and the new event was copied there.
    expect(clickhouseSteps.find((s) => s.name === 'analytics first read')?.body).toMatchObject({
      status: 'fresh', data: { variants: [{ variantId: 'control', assignedUsers: 5, events: 6, convertedUsers: 2, revenue: 42.5 }, {}, {}] },
    })
    expect(clickhouseSteps.find((s) => s.name === 'event first delivery')?.body).toMatchObject({ data: { recorded: true, clickhouse: 'written' } })
    expect(await ch.sql("SELECT count() FROM router_scenario.router_events FINAL WHERE id = 'evt_1'")).toBe('1\n')
    expect((await onClickHouse.call('router_health')).body).toMatchObject({ analytics: 'clickhouse' })
  })

  it.skipIf(skipReason !== undefined).each(ENGINES)('reads rows inserted into ClickHouse behind the $name cache: fresh, then cached, the numbers as inserted', async (engine) => {
    const ch = clickhouse as ClickHouseHandle
    const database = `router_${engine.name}`
    const env = engine.env()
    const router = await open({ ...env, CLICKHOUSE_URL: ch.url(database) })
    // Rows the SQL database never saw, so only ClickHouse can answer with them; evt_b is sent twice and counts once.
    const row = (id: string, variant: string, user: string, type: string, value: number, at: string): string =>
      `('${id}', 'exp_456', '${variant}', '${user}', '${type}', ${value}, '${at}', '${at.slice(0, 13).replace(/[-T]/g, '')}', '${at.slice(0, 10).replace(/-/g, '')}', '${at.slice(0, 10)}')`
    await ch.sql(`INSERT INTO ${database}.router_events VALUES
      ${row('ch_a', 'control', 'user_001', 'purchase', 10, '2025-01-02T10:05:00.000Z')},
      ${row('ch_b', 'control', 'user_002', 'purchase', 20.5, '2025-01-02T10:20:00.000Z')},
      ${row('ch_b', 'control', 'user_002', 'purchase', 20.5, '2025-01-02T10:20:00.000Z')},
      ${row('ch_c', 'control', 'user_001', 'purchase', 5, '2025-01-02T10:45:00.000Z')},
      ${row('ch_d', 'variant_1', 'user_003', 'conversion', 99.99, '2025-01-02T12:00:00.000Z')}`)

    const metrics = { experiment_id: 'exp_456', variant_id: 'control', event_type: 'purchase', hour: '2025010210' }
    const first = (await router.call<Metrics>('event_metrics', metrics)).body
    expect(first).toEqual({ status: 'fresh', cacheKey: 'metrics:exp_456:control:purchase:2025010210', data: { experimentId: 'exp_456', variantId: 'control', eventType: 'purchase', hour: '2025010210', events: 3, users: 2, totalValue: 35.5 } })
    expect((await router.call<Metrics>('event_metrics', metrics)).body).toEqual({ ...first, status: 'cached' })

    const day = { experiment_id: 'exp_456', day: '20250102' }
    const analytics = (await router.call<Analytics>('experiment_analytics', day)).body
    expect(analytics.status).toBe('fresh')
    expect(analytics.data.variants).toMatchObject([
      { variantId: 'control', events: 3, convertedUsers: 0, revenue: 0 },
      { variantId: 'variant_1', events: 1, convertedUsers: 1, revenue: 99.99 },
    ])
    expect((await router.call<Analytics>('experiment_analytics', day)).body).toEqual({ ...analytics, status: 'cached' })
    if (engine.name === 'redis') {
      // The seed's TTLs, as Redis holds them: metrics 15 min, analytics 2 h.
      const pttl = async (key: string): Promise<number> => Number((await sendCommand(env['REDIS_URL'] ?? '', 'PTTL', `${env['CACHE_PREFIX']}:${key}`)).slice(1))
      const metricsTtl = await pttl('metrics:exp_456:control:purchase:2025010210')
      const analyticsTtl = await pttl('analytics:exp_456:20250102')
      expect(metricsTtl).toBeGreaterThan(14 * 60_000)
      expect(metricsTtl).toBeLessThanOrEqual(15 * 60_000)
      expect(analyticsTtl).toBeGreaterThan(119 * 60_000)
      expect(analyticsTtl).toBeLessThanOrEqual(120 * 60_000)
    }

    // An event recorded through the router is copied, and the aggregate it changed is read again.
    const recorded = (await router.call<{ data: { variantId: string; clickhouse: string } }>('record_event', {
      event_id: `ch_router_${engine.name}`, experiment_id: 'exp_456', user_id: 'user_005', event_type: 'purchase', value: 4.5, occurred_at: '2025-01-02T10:50:00Z',
    })).body
    expect(recorded.data.clickhouse).toBe('written')
    const before = recorded.data.variantId === 'control' ? { events: 3, users: 2, totalValue: 35.5 } : { events: 0, users: 0, totalValue: 0 }
    expect((await router.call<Metrics>('event_metrics', { ...metrics, variant_id: recorded.data.variantId })).body).toMatchObject({
      status: 'fresh', data: { events: before.events + 1, users: before.users + 1, totalValue: before.totalValue + 4.5 },
    })
  })

  it.skipIf(skipReason !== undefined)('keeps recording events while ClickHouse is down, and reports analytics as unavailable, naming no internals', async () => {
    // Its own server, so stopping it leaves the other tests theirs.
    const own = await startClickHouse()
    try {
      const router = await open({ CLICKHOUSE_URL: own.url('router_outage') })
      // Killed, as a crash: a clean stop waits seconds for the router's keep-alive connection to go idle.
      await own.kill()
      const event = { event_id: 'outage_ch_1', experiment_id: 'exp_123', user_id: 'user_004', event_type: 'view', occurred_at: '2025-02-01T09:00:00Z' }
      expect((await router.call('record_event', event)).body).toMatchObject({ status: 'fresh', data: { recorded: true, clickhouse: 'failed' } })
      const metrics = { experiment_id: 'exp_123', variant_id: 'control', event_type: 'view', hour: '2025020109' }
      for (let attempt = 0; attempt < 2; attempt++) {
        const refused = await router.call<{ error: string; message: string }>('event_metrics', metrics)
        expect(refused).toMatchObject({ isError: true, body: { error: 'E_ANALYTICS_UNAVAILABLE' } })
        // ClickHouse's address and its own error text stay on the router's stderr.
        expect(refused.body.message).toContain('analytics are unavailable')
        expect(refused.body.message).not.toContain('127.0.0.1')
      }
      // The operational reads do not need ClickHouse.
      expect((await router.call('get_experiment', { experiment_id: 'exp_123' })).body).toMatchObject({ status: 'fresh' })
    } finally {
      await own.stop()
    }
  })
})

describe('experiment-router with a CLICKHOUSE_URL nobody answers', () => {
  it('stops at start with a message that says what to do (no ClickHouse needed)', async () => {
    const port = await findFreePort()
    const child = spawn(process.execPath, [SERVER], {
      // A password with spaces: text redaction cannot tell where it ends, so the URL is printed rebuilt without it.
      env: { PATH: process.env['PATH'] ?? '', CLICKHOUSE_URL: `http://router:not a real password@127.0.0.1:${port}/router` },
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)))
    expect(code).toBe(1)
    expect(stderr).toContain(`cannot use ClickHouse at http://127.0.0.1:${port}/router`)
    expect(stderr).toContain('unset CLICKHOUSE_URL')
    expect(stderr).not.toMatch(/not( |%20)a( |%20)real/)
  })
})
