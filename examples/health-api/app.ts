/**
 * The MedInsight API as one Hono app: the analysis endpoints, the usage
 * counters, and mcp-cache's admin API at the seed's monitoring paths.
 */
import { Hono } from 'hono'
import { createAdminApp } from 'mcp-cache/admin'
import type { Cache } from 'mcp-cache'
import { drugRoutes } from './drug-routes.js'
import { healthRoutes } from './health-routes.js'
import { redisHealth } from './redis-health.js'
import { SlowOrigin } from './slow-origin.js'
import { UsageCounters, type CountedEndpoint } from './usage-counters.js'

/** Options of {@link createHealthApp}. */
export interface HealthAppOptions {
  readonly cache: Cache
  /** Delay of every origin analysis, in ms. */
  readonly analysisDelayMs: number
  /** Bearer token of the admin API (MCP_CACHE_ADMIN_TOKEN). */
  readonly adminToken: string | undefined
}

/** Where the admin API lives: the seed's `/api/v1/redis/health`, `/stats`, `/performance`, `/cache/...`, `/session/{id}`. */
export const ADMIN_BASE = '/api/v1/redis'

/** Builds the app; `origin` is returned so callers can see how often the analyses ran. */
export function createHealthApp(options: HealthAppOptions): { app: Hono; origin: SlowOrigin } {
  const { cache } = options
  const origin = new SlowOrigin(options.analysisDelayMs)
  const counters = new UsageCounters(cache)
  const services = { cache, origin, counters }
  const admin = createAdminApp({ cache, token: options.adminToken })
  const app = new Hono()

  app.onError(async (error, c) => {
    const endpoint = endpointOf(c.req.path)
    if (endpoint !== undefined) await counters.recordFailure(endpoint)
    console.error(`${c.req.method} ${c.req.path} failed: ${error.message}`)
    return c.json({ error: 'the analysis failed; try again' }, 500)
  })
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404))

  app.route('/api/v1', healthRoutes(services))
  app.route('/api/v1/drug', drugRoutes(services))
  app.get('/api/v1/usage', async (c) => c.json({ counters: await counters.snapshot(), origin_runs: origin.runs() }))

  // The seed's health check reports Redis itself (503 when down); the admin API's /health is only liveness.
  app.get(`${ADMIN_BASE}/health`, (c) => redisHealth(cache, c))
  // The seed lists keys at /keys/{pattern}; the admin API takes ?pattern=. Forwarding keeps its auth and limits.
  app.get(`${ADMIN_BASE}/keys/:pattern`, (c) => {
    const url = new URL(c.req.url)
    return admin.request(`/keys?pattern=${encodeURIComponent(c.req.param('pattern'))}${url.search.replace(/^\?/, '&')}`, { headers: c.req.raw.headers })
  })
  app.route(ADMIN_BASE, admin)
  return { app, origin }
}

/** Which counted endpoint a failed path belongs to. */
function endpointOf(path: string): CountedEndpoint | undefined {
  if (path.endsWith('/analyze-health')) return 'health_analysis'
  if (path.endsWith('/drug/analyze')) return 'drug_analysis'
  if (path.includes('/drug/info/')) return 'drug_info'
  return undefined
}
