/** The admin API through Hono's request injection, on the memory store. */
import { beforeEach, describe, expect, it } from 'vitest'
import { createAdminApp } from '../../src/admin/admin-app.js'
import { evaluateAlerts } from '../../src/admin/alerts.js'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'

const TOKEN = 'admin-token-for-tests-123'
const auth = { authorization: `Bearer ${TOKEN}` }

describe('admin API', () => {
  let cache: Cache
  let app: ReturnType<typeof createAdminApp>
  beforeEach(() => {
    cache = createCache({ logger: false, prefix: 'medinsight' })
    app = createAdminApp({ cache, token: TOKEN })
  })

  it('keeps liveness open and everything else behind the bearer token', async () => {
    expect((await app.request('/health')).status).toBe(200)
    expect((await app.request('/stats')).status).toBe(401)
    expect((await app.request('/stats', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await app.request('/stats', { headers: { authorization: TOKEN } })).status).toBe(401)
    expect((await app.request(`/stats?token=${TOKEN}`)).status).toBe(400)
    expect((await app.request('/stats', { headers: auth })).status).toBe(200)
  })

  it('is closed entirely (but liveness) when no token is configured', async () => {
    const closed = createAdminApp({ cache, token: undefined })
    expect((await closed.request('/health')).status).toBe(200)
    const refused = await closed.request('/stats', { headers: auth })
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('MCP_CACHE_ADMIN_TOKEN') })
  })

  it('reports readiness, stats and keys (TTL and size, never values)', async () => {
    await cache.getOrSet('drug_analysis:aspirin', async () => ({ secret: 'value-never-listed' }), { ttl: '24h' })
    await cache.getOrSet('drug_analysis:aspirin', async () => ({}))
    const ready = await (await app.request('/health/ready', { headers: auth })).json()
    expect(ready).toMatchObject({ status: 'ready', healthy: true, store: 'memory' })
    const stats = await (await app.request('/stats', { headers: auth })).json()
    expect(stats).toMatchObject({ hits: 1, misses: 1, byCategory: { drug_analysis: { hits: 1 } } })
    const keys = await app.request('/keys?pattern=drug_analysis:*', { headers: auth })
    const page = (await keys.json()) as { keys: Array<{ key: string; ttlMs: number; bytes: number }>; cursor: string }
    expect(page.keys).toHaveLength(1)
    expect(page.keys[0]).toMatchObject({ key: 'drug_analysis:aspirin' })
    expect(page.keys[0]?.ttlMs).toBeGreaterThan(86_000_000)
    expect(JSON.stringify(page)).not.toContain('value-never-listed')
    expect((await app.request('/keys?cursor=abc', { headers: auth })).status).toBe(400)
    expect((await app.request('/keys?cursor=1.17', { headers: auth })).status).toBe(200) // a cluster's cursor: master 1, its cursor 17
  })

  it('deletes one entry, clears a pattern (broad ones only when confirmed), invalidates tags', async () => {
    await cache.set('user:u1:session', { started: 1 })
    await cache.set('health_analysis:h1', 1)
    await cache.set('health_analysis:h2', 2)
    await cache.set('symptom:s1:inputs', ['cough'], { tags: ['session:s1'] })
    const deleted = await app.request('/cache/user/u1?sub_key=session', { method: 'DELETE', headers: auth })
    expect(await deleted.json()).toStrictEqual({ key: 'user:u1:session', deleted: 1 })
    const post = (path: string, body: unknown) => app.request(path, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(await (await post('/cache/clear-pattern', { pattern: 'health_analysis:*' })).json()).toStrictEqual({ pattern: 'health_analysis:*', deleted: 2 })
    const broad = await post('/cache/clear-pattern', { pattern: '*' })
    expect(broad.status).toBe(400)
    expect(await broad.json()).toMatchObject({ error: expect.stringContaining('"confirm": "*"') })
    expect((await post('/cache/clear-pattern', { pattern: '' })).status).toBe(400)
    expect((await post('/cache/clear-pattern', { patern: 'x' })).status).toBe(400)
    expect(await (await post('/cache/invalidate', { tags: ['session:s1'] })).json()).toStrictEqual({ deleted: 1, tools: [] })
    expect((await post('/cache/invalidate', {})).status).toBe(400)

    // The dashboard's feed: newest first, with what was deleted and why.
    const feed = (await (await app.request('/invalidations?limit=3', { headers: auth })).json()) as { recent: Array<Record<string, unknown>> }
    expect(feed.recent).toMatchObject([
      { kind: 'tags', target: 'session:s1', deleted: 1, reason: 'admin API' },
      { kind: 'pattern', target: 'medinsight:health_analysis:*', deleted: 2, reason: 'admin API' },
      { kind: 'keys', target: 'medinsight:user:u1:session', deleted: 1 },
    ])
    expect((await app.request('/invalidations?limit=0', { headers: auth })).status).toBe(400)
  })

  it('serves the dashboard page without the token, under a strict CSP, and its data only with it', async () => {
    const redirect = await app.request('/dashboard')
    expect(redirect.status).toBe(308)
    expect(redirect.headers.get('location')).toBe('dashboard/')
    const page = await app.request('/dashboard/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('<script src="dashboard.js" defer></script>')
    const chartLibrary = await app.request('/dashboard/vendor/uPlot.iife.min.js')
    expect(chartLibrary.headers.get('content-type')).toContain('javascript')
    expect(await chartLibrary.text()).toContain('uPlot')
    // Only the listed files: no path reaches the file system.
    expect((await app.request('/dashboard/..%2f..%2fpackage.json')).status).toBe(404)
    expect((await app.request('/dashboard/secrets.txt')).status).toBe(404)
    expect((await app.request('/dashboard/constructor')).status).toBe(404)
    expect((await app.request('/dashboard/__proto__')).status).toBe(404)

    expect((await app.request('/stats/series')).status).toBe(401)
    expect((await app.request('/invalidations')).status).toBe(401)
    expect((await app.request('/stats/series?since=yesterday', { headers: auth })).status).toBe(400)
    const series = await (await app.request('/stats/series?since=0', { headers: auth })).json()
    expect(series).toMatchObject({ intervalMs: 1000, points: expect.any(Array) })
  })

  it("judges store health by the store's own reads: a slow origin inside misses is not a slow store", async () => {
    const slowOrigin = async () => {
      await new Promise((resolve) => setTimeout(resolve, 120))
      return 'loaded'
    }
    await Promise.all(Array.from({ length: 5 }, (_, i) => cache.getOrSet(`report:${i}`, slowOrigin)))
    const stats = cache.stats()
    // The caller saw the origin's 120 ms; the store did not take it.
    expect(stats.latency.p99).toBeGreaterThan(100)
    expect(stats.origin.p50).toBeGreaterThanOrEqual(110)
    // The store's reads were timed (one per miss), and were not the origin's 120 ms.
    expect(stats.store.count).toBeGreaterThanOrEqual(5)
    expect(stats.store.p99).toBeLessThan(stats.origin.p50)
    expect(stats.storeRecent.count).toBe(stats.store.count)
    const ready = (await (await app.request('/health/ready', { headers: auth })).json()) as { status: string; alerts: Array<{ name: string; firing: boolean }> }
    expect(ready.alerts.find((alert) => alert.name === 'slow_operations')?.firing).toBe(false)
    expect(ready.status).toBe('ready')
    // A store whose reads take over 100 ms at p99 does fire it (the condition, on a snapshot).
    const slowStore = { ...stats, storeRecent: { ...stats.storeRecent, p99: 150 } }
    expect(evaluateAlerts(slowStore, undefined, 'closed').find((alert) => alert.name === 'slow_operations')).toMatchObject({ firing: true, detail: expect.stringContaining('store reads p99 150 ms') })
  })

  it('reports the in-process store in /performance when there is no Redis', async () => {
    await cache.set('cpt:1', 'x'.repeat(1000))
    const performance = (await (await app.request('/performance', { headers: auth })).json()) as { store: string; inProcess: { entries: number; bytes: number; maxBytes: number } }
    expect(performance.store).toBe('memory')
    expect(performance.inProcess.entries).toBe(1)
    expect(performance.inProcess.bytes).toBeGreaterThan(1000)
    expect(performance.inProcess.maxBytes).toBe(64 * 1024 * 1024)
  })

  it('serves a session, metrics with the alert gauges, and its OpenAPI description', async () => {
    await cache.set('user:abc:session', { user: 'abc' })
    expect(await (await app.request('/session/abc', { headers: auth })).json()).toStrictEqual({ id: 'abc', session: { user: 'abc' } })
    expect((await app.request('/session/none', { headers: auth })).status).toBe(404)
    await cache.getOrSet('cpt:99213', async () => 'visit')
    const metrics = await (await app.request('/metrics', { headers: auth })).text()
    expect(metrics).toMatch(/mcp_cache_events_total\{event="misses",category="cpt"\} 1/)
    expect(metrics).toMatch(/mcp_cache_alert\{alert="hit_rate_low"\} 0/)
    const openapi = (await (await app.request('/openapi.json', { headers: auth })).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/health/ready', '/keys', '/cache/clear-pattern', '/metrics', '/stats/series', '/invalidations', '/dashboard/']))
  })

  it('limits body size and request rate', async () => {
    const big = await app.request('/cache/invalidate', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tags: ['x'.repeat(100_000)] }),
    })
    expect(big.status).toBe(413)
    const limited = createAdminApp({ cache, token: TOKEN, rateLimit: 3 })
    const statuses = []
    for (let i = 0; i < 6; i++) statuses.push((await limited.request('/stats', { headers: auth })).status)
    expect(statuses).toContain(429)
  })
})

describe('admin API given hostile requests', () => {
  const TOKEN2 = 'admin-token-for-hostile-tests'
  const good = { authorization: `Bearer ${TOKEN2}` }

  it('validates every parameter with a 400 naming it, never a 500', async () => {
    const app = createAdminApp({ cache: createCache({ logger: false, prefix: 'hostile' }), token: TOKEN2 })
    for (const query of ['count=-5', 'count=0', 'count=0.5', 'count=1001', 'count=abc', 'count=1e3']) {
      const response = await app.request(`/keys?${query}`, { headers: good })
      expect([response.status, await response.json()]).toStrictEqual([400, { error: expect.stringContaining('count must be') }])
    }
    for (const cursor of ['99999999999999999999', '18446744073709551616', '-1', '1.2.3', 'abc', '99999.1']) {
      const response = await app.request(`/keys?cursor=${cursor}`, { headers: good })
      expect([response.status, await response.json()]).toStrictEqual([400, { error: expect.stringContaining('cursor') }])
    }
    expect((await app.request('/keys?cursor=18446744073709551615&count=1000', { headers: good })).status).toBe(200)
    expect((await app.request(`/keys?pattern=${'a'.repeat(600)}`, { headers: good })).status).toBe(400)
    for (const path of ['/cache/..%2Fx/y', '/cache/~x/y', '/cache/%00/%00', '/cache/a/b?sub_key=', '/invalidations?limit=1e999', '/stats/series?since=-1']) {
      const response = await app.request(path, { method: path.startsWith('/cache') ? 'DELETE' : 'GET', headers: good })
      expect(response.status, path).toBeLessThan(500)
      expect(await response.json(), path).toBeTypeOf('object')
    }
  })

  it('keeps a flood of wrong tokens from locking out the right one', async () => {
    const app = createAdminApp({ cache: createCache({ logger: false }), token: TOKEN2, rateLimit: 20, failedAuthRateLimit: 5 })
    const statuses: number[] = []
    for (let i = 0; i < 100; i++) statuses.push((await app.request('/stats', { headers: { authorization: `Bearer guess-${i}` } })).status)
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(90) // the guesses are limited...
    expect((await app.request('/stats', { headers: good })).status).toBe(200) // ...apart from the right token
  })

  it('ignores X-Forwarded-For unless told to trust a proxy', async () => {
    const guesses = async (app: ReturnType<typeof createAdminApp>) => {
      let limited = 0
      for (let i = 0; i < 50; i++) if ((await app.request('/stats', { headers: { 'x-forwarded-for': `10.0.${i}.1`, authorization: 'Bearer wrong' } })).status === 429) limited++
      return limited
    }
    const options = { cache: createCache({ logger: false }), token: TOKEN2, failedAuthRateLimit: 5 }
    expect(await guesses(createAdminApp(options))).toBeGreaterThan(40) // one client, whatever it claims
    expect(await guesses(createAdminApp({ ...options, trustProxy: true }))).toBe(0) // fifty clients behind a proxy
  })
})
