/**
 * The MedInsight API as one Hono app: the analysis endpoints, user
 * preferences, the usage counters, and mcp-cache's admin API at the seed's
 * monitoring paths, all described by one OpenAPI document.
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createAdminApp } from 'mcp-cache/admin'
import type { Cache } from 'mcp-cache'
import { drugRoutes } from './drug-routes.js'
import type { DrugSource } from './drug-source.js'
import { healthRoutes } from './health-routes.js'
import { HEALTH_API_OPENAPI } from './openapi.js'
import { redisHealth } from './redis-health.js'
import { ADMIN_BASE } from './seed-policy.js'
import { SlowOrigin } from './slow-origin.js'
import { UsageCounters, type CountedEndpoint } from './usage-counters.js'
import { userRoutes } from './user-routes.js'

/** Options of {@link createHealthApp}. */
export interface HealthAppOptions {
  readonly cache: Cache
  /** The drug reference source (the built-in table, and DRUG_SOURCE_FILE's records over it). */
  readonly drugs: DrugSource
  /** Delay of every origin analysis, in ms. */
  readonly analysisDelayMs: number
  /** Longest a drug-info copy is served without fetching it again, in ms. */
  readonly drugInfoMaxAgeMs: number
  /** Bearer token of the admin API (MCP_CACHE_ADMIN_TOKEN); without one, its routes answer 401. */
  readonly adminToken: string | undefined
}

/** Largest request body taken: the requests are small JSON documents (the admin API has the same limit). */
const MAX_BODY_BYTES = 64 * 1024

/** Builds the app; `origin` is returned so callers can see how often the analyses ran. */
export function createHealthApp(options: HealthAppOptions): { app: Hono; origin: SlowOrigin } {
  const { cache } = options
  const origin = new SlowOrigin(options.analysisDelayMs)
  const counters = new UsageCounters(cache)
  const services = { cache, drugs: options.drugs, origin, counters, drugInfoMaxAgeMs: options.drugInfoMaxAgeMs }
  const admin = createAdminApp({ cache, token: options.adminToken })
  const app = new Hono()

  app.onError(async (error, c) => {
    const endpoint = endpointOf(c.req.path)
    if (endpoint !== undefined) await counters.recordFailure(endpoint)
    console.error(`${c.req.method} ${c.req.path} failed: ${error.message}`)
    return c.json({ error: 'the analysis failed; try again' }, 500)
  })
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}; see /openapi.json` }, 404))
  // Refused before it is read into memory, so no client can make the process buffer an unbounded body.
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes` }, 413) }))

  app.get('/openapi.json', (c) => c.json(HEALTH_API_OPENAPI))
  app.route('/api/v1', healthRoutes(services))
  app.route('/api/v1/drug', drugRoutes(services))
  app.route('/api/v1/users', userRoutes(services))
  app.get('/api/v1/usage', async (c) => c.json({ counters: await counters.snapshot(), origin_runs: origin.runs() }))

  // Routes registered before the admin API's win over its own at the same path.
  // The seed's health check reports Redis itself (503 when down); the admin API's /health is only liveness.
  app.get(`${ADMIN_BASE}/health`, (c) => redisHealth(cache, c))
  // The admin API's document lists its own routes only; this one lists the whole app.
  app.get(`${ADMIN_BASE}/openapi.json`, (c) => c.json(HEALTH_API_OPENAPI))
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
