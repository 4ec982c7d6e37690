import { getConnInfo } from '@hono/node-server/conninfo'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import type { Cache } from '../cache/cache.js'
import { CacheError, errorMessage, errors } from '../errors.js'
import type { CacheLogger } from '../log/logger.js'
import { cacheKey } from '../keys/build-key.js'
import { redactSecrets } from '../log/redact.js'
import { evaluateAlerts } from './alerts.js'
import { bearerToken, tokenMatches } from './auth.js'
import { addDashboardRoutes } from './dashboard/dashboard-routes.js'
import { createMetrics } from './metrics.js'
import type { SavingsTotals, ToolSnapshot } from '../stats/tool-stats.js'
import { ADMIN_OPENAPI } from './openapi.js'
import { performanceFrom } from './redis-info.js'
import { RateLimiter } from './rate-limiter.js'
import { StatsSeries } from './stats-series.js'

/** Options of the admin API. */
export interface AdminOptions {
  readonly cache: Cache
  /** Bearer token every route but `/health` requires (MCP_CACHE_ADMIN_TOKEN). Without one, only `/health` answers. */
  readonly token: string | undefined
  /** Drops tools' results for every principal (the gateway's entries), when a gateway is attached; false when the store refused. */
  readonly invalidateTools?: (tools: readonly string[]) => Promise<boolean>
  /** Per-tool counts and savings of an attached gateway, shown in `/stats` as `tools` and in `/metrics`. */
  readonly toolStats?: () => Record<string, ToolSnapshot>
  /** The gateway's savings over every tool, shown in `/stats` as `toolSavings`. */
  readonly toolSavings?: () => SavingsTotals
  /** The attached gateway's upstream, as clients see it named (never its URL), shown in `/stats` as `upstream`. */
  readonly upstream?: string
  /** Authenticated requests per second per client address. @default 50 */
  readonly rateLimit?: number
  /** Failed authentications per second per client address, counted apart so a flood of wrong tokens never slows the right one. @default 20 */
  readonly failedAuthRateLimit?: number
  /**
   * Take the client address from the last `X-Forwarded-For` entry (the one
   * your proxy appended; earlier ones are the client's to choose) instead of
   * the socket. Only behind a reverse proxy you run: otherwise any client picks
   * its own address and escapes the limits. @default false
   */
  readonly trustProxy?: boolean
  /** Where unexpected failures are logged (clients get a short message without details). */
  readonly logger?: CacheLogger
  /** How often the dashboard's time series is sampled, in ms. @default 1000 */
  readonly seriesIntervalMs?: number
}

const MAX_BODY_BYTES = 64 * 1024
const MAX_KEYS_PAGE = 1000
const MAX_INVALIDATIONS = 100
const MAX_PATTERN_LENGTH = 512
/** A SCAN cursor: Redis's own (an unsigned 64-bit number), or a cluster's `<master>.<cursor>`. */
const CURSOR = /^(?:(\d{1,4})\.)?(\d{1,20})$/
const MAX_SCAN_CURSOR = 2n ** 64n - 1n
/** Errors that are the caller's to fix: answered 400 with their message. */
const CALLER_ERRORS: ReadonlySet<string> = new Set([errors.E_INVALID_KEY, errors.E_INVALID_CONFIG, errors.E_UNSERIALIZABLE, errors.E_ENTRY_TOO_LARGE])

const clearPatternBody = z
  .object({
    pattern: z.string().min(1, 'pattern must not be empty').max(512),
    /** Required for broad patterns: repeat the pattern to confirm. */
    confirm: z.string().optional(),
  })
  .strict()

const invalidateBody = z
  .object({ tags: z.array(z.string().min(1)).max(1000).optional(), tools: z.array(z.string().min(1)).max(1000).optional() })
  .strict()
  .refine((body) => (body.tags?.length ?? 0) + (body.tools?.length ?? 0) > 0, 'give tags or tools to invalidate')

/**
 * The admin HTTP API as a Hono app: health, stats, Redis performance, key
 * listing (never values), deletion, pattern clearing, invalidation, sessions,
 * Prometheus metrics, an OpenAPI description and the live dashboard at
 * `/dashboard/`. Mount it anywhere with `app.fetch`, or serve it with
 * `startAdminServer`.
 */
export function createAdminApp(options: AdminOptions): Hono {
  const { cache } = options
  const app = new Hono()
  const metrics = createMetrics(cache, options.toolStats)
  const limiter = new RateLimiter(options.rateLimit ?? 50)
  const failedAuth = new RateLimiter(options.failedAuthRateLimit ?? 20)
  const addressOf = (c: Context) => clientAddress(c, options.trustProxy === true)

  // A store's own error never reaches the caller: it may name servers, keys or worse.
  app.onError((error, c) => {
    if (error instanceof CacheError && CALLER_ERRORS.has(error.code)) return c.json({ error: redactSecrets(error.message), code: error.code }, 400)
    options.logger?.warn({ route: c.req.routePath, err: redactSecrets(error.message) }, `mcp-cache: admin ${c.req.method} ${c.req.routePath} failed`)
    const code = error instanceof CacheError ? error.code : undefined
    return c.json({ error: `the request failed inside mcp-cache${code === undefined ? '' : ` (${code})`}; the gateway's log has the details`, ...(code === undefined ? {} : { code }) }, 500)
  })
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}; see /openapi.json` }, 404))

  // Liveness stays open, so orchestrators can probe without the token.
  app.get('/health', (c) => c.json({ status: 'ok' }))
  // So does the dashboard page: it holds no data and asks for the token itself.
  addDashboardRoutes(app)
  // Sampling starts with the first request for the series (a dashboard opened), so an app that
  // never shows one never polls Redis INFO; the timer is unref'd and ends with the cache.
  const series = new StatsSeries(cache, { intervalMs: options.seriesIntervalMs ?? 1000 })

  // Authentication first, then the rate limit of its outcome: wrong tokens spend a bucket of
  // their own, so a flood of them (even from the same address) cannot lock out the right one.
  app.use('*', async (c, next) => {
    const address = addressOf(c)
    const search = new URL(c.req.url).searchParams
    if (search.has('token') || search.has('access_token')) {
      if (!failedAuth.allow(address)) return tooMany(c)
      return c.json({ error: 'tokens in the query string are refused (they end up in logs); send Authorization: Bearer <token>' }, 400)
    }
    if (options.token === undefined || !tokenMatches(bearerToken(c.req.header('authorization')), options.token)) {
      if (!failedAuth.allow(address)) return tooMany(c)
      if (options.token === undefined) return c.json({ error: 'the admin API is disabled: set MCP_CACHE_ADMIN_TOKEN' }, 401)
      c.header('www-authenticate', 'Bearer')
      return c.json({ error: 'missing or wrong bearer token' }, 401)
    }
    if (!limiter.allow(address)) return tooMany(c)
    await next()
  })
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes` }, 413) }))

  app.get('/health/ready', async (c) => {
    const health = await cache.health()
    const info = await cache.serverInfo().catch(() => undefined)
    const alerts = evaluateAlerts(cache.stats(), info === undefined ? undefined : performanceFrom(info), cache.breakerState)
    const reasons = [
      ...(health.healthy ? [] : [`store unreachable: ${health.error ?? 'unknown'}`]),
      ...(health.bus === undefined || health.bus.inSync ? [] : ['l1 bus lost: the L1 is flushed and bypassed until this instance hears its own heartbeat again']),
      ...alerts.filter((a) => a.firing).map((a) => `${a.name}: ${a.detail}`),
    ]
    const status = !health.healthy ? 'down' : reasons.length > 0 ? 'degraded' : 'ready'
    return c.json({ status, ...health, alerts, reasons }, health.healthy ? 200 : 503)
  })

  app.get('/stats', (c) =>
    c.json({
      ...cache.stats(),
      ...(options.toolStats === undefined ? {} : { tools: options.toolStats() }),
      ...(options.toolSavings === undefined ? {} : { toolSavings: options.toolSavings() }),
      ...(options.upstream === undefined ? {} : { upstream: options.upstream }),
    }),
  )

  app.get('/stats/series', (c) => {
    const since = c.req.query('since') ?? '0'
    if (!/^\d+$/.test(since)) return c.json({ error: 'since must be an epoch time in ms (the t of the last point you have)' }, 400)
    series.start()
    return c.json({ intervalMs: series.intervalMs, points: series.after(Number(since)) })
  })

  app.get('/invalidations', (c) => {
    const limit = Number(c.req.query('limit') ?? MAX_INVALIDATIONS)
    if (!Number.isInteger(limit) || limit < 1) return c.json({ error: `limit must be a whole number from 1 to ${MAX_INVALIDATIONS}` }, 400)
    return c.json({ recent: cache.recentInvalidations(Math.min(limit, MAX_INVALIDATIONS)) })
  })

  app.get('/performance', async (c) => {
    const info = await cache.serverInfo().catch((error: unknown) => {
      options.logger?.warn({ err: redactSecrets(errorMessage(error)) }, 'mcp-cache: admin /performance: Redis INFO failed')
      return null
    })
    if (info === null) return c.json({ error: 'Redis did not answer INFO; see /health/ready' }, 503)
    const inProcess = cache.inProcessUsage()
    if (info === undefined) return c.json({ store: cache.storeKind, note: 'no Redis behind this cache', inProcess })
    return c.json({ ...performanceFrom(info), ...(inProcess === undefined ? {} : { inProcess }) })
  })

  app.get('/keys', async (c) => {
    const query = c.req.query()
    const count = query['count'] === undefined ? 100 : Number(query['count'])
    if (!/^\d+$/.test(query['count'] ?? '100') || count < 1 || count > MAX_KEYS_PAGE) return c.json({ error: `count must be a whole number from 1 to ${MAX_KEYS_PAGE}` }, 400)
    const cursor = query['cursor'] ?? '0'
    if (!isScanCursor(cursor)) return c.json({ error: 'cursor must be the value a previous page returned (start with 0)' }, 400)
    const pattern = query['pattern'] || '*'
    if (pattern.length > MAX_PATTERN_LENGTH) return c.json({ error: `pattern must be at most ${MAX_PATTERN_LENGTH} characters` }, 400)
    return c.json(await cache.inspectKeys(pattern, cursor, count))
  })

  app.delete('/cache/:category/:identifier', async (c) => {
    const subKey = c.req.query('sub_key')
    const key = cacheKey({ category: c.req.param('category'), identifier: c.req.param('identifier'), ...(subKey === undefined ? {} : { subKey }) })
    return c.json({ key, deleted: await cache.delete(key) })
  })

  app.post('/cache/clear-pattern', async (c) => {
    const body = clearPatternBody.safeParse(await readJson(c))
    if (!body.success) return c.json({ error: describeIssues(body.error) }, 400)
    const { pattern, confirm } = body.data
    if (isBroad(pattern) && confirm !== pattern) {
      return c.json({ error: `'${pattern}' is broad: send "confirm": "${pattern}" to delete everything it matches` }, 400)
    }
    return c.json({ pattern, deleted: await cache.deleteByPattern(pattern, { reason: 'admin API' }) })
  })

  app.post('/cache/invalidate', async (c) => {
    const body = invalidateBody.safeParse(await readJson(c))
    if (!body.success) return c.json({ error: describeIssues(body.error) }, 400)
    if (body.data.tools !== undefined && options.invalidateTools === undefined) {
      return c.json({ error: 'tools: tool results live in a gateway; use the admin API of mcp-cache serve or proxy (--admin-port)' }, 400)
    }
    const deleted = body.data.tags === undefined ? 0 : await cache.invalidateTags(body.data.tags, { reason: 'admin API' })
    const tools = body.data.tools ?? []
    if (tools.length > 0 && !(await options.invalidateTools?.(tools))) {
      return c.json({ error: 'the cache store did not take the invalidation of tools; it is retried every second, and until then this gateway answers them from the upstream' }, 503)
    }
    // Tool results are dropped by generation (one write, whatever their number): none is counted.
    return c.json({ deleted, tools })
  })

  app.get('/session/:id', async (c) => {
    // The seeds' session record: user:{id}:session.
    const value = await cache.get(cacheKey({ category: 'user', identifier: c.req.param('id'), subKey: 'session' }))
    return value === undefined ? c.json({ error: 'no such session' }, 404) : c.json({ id: c.req.param('id'), session: value })
  })

  app.get('/metrics', async (c) => c.text(await metrics.metrics(), 200, { 'content-type': metrics.contentType }))
  app.get('/openapi.json', (c) => c.json(ADMIN_OPENAPI))
  return app
}

/** The caller's address for rate limits: the socket's, or with `trustProxy` the X-Forwarded-For entry the proxy appended (the last). */
function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').pop()?.trim()
    if (forwarded) return forwarded
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    // Mounted outside @hono/node-server (or called with app.request()): no socket to read.
    return 'unknown'
  }
}

function tooMany(c: Context): Response {
  c.header('retry-after', '1')
  return c.json({ error: 'too many requests; slow down' }, 429)
}

/** True for a cursor a page of /keys can have returned, within what Redis accepts. */
function isScanCursor(cursor: string): boolean {
  const match = CURSOR.exec(cursor)
  return match !== null && BigInt(match[2] as string) <= MAX_SCAN_CURSOR
}

async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    return undefined
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')
}

/** A pattern whose literal part is shorter than 3 characters (`*`, `a*`, `*:x`) matches too much to run unconfirmed. */
function isBroad(pattern: string): boolean {
  const literalPrefix = /^[^*?[\\]*/.exec(pattern)?.[0] ?? ''
  return literalPrefix.length < 3
}

