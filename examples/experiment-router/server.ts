/**
 * The seed's MCP router as an MCP server over stdio: experiments, assignments,
 * user profiles and events in SQLite (default) or PostgreSQL (DATABASE_URL),
 * analytics from ClickHouse (CLICKHOUSE_URL) or the same SQL database, vector
 * search over an embedded LanceDB, all behind mcp-cache (memory by default;
 * CACHE_BACKEND=redis with REDIS_URL for Redis).
 *
 *   node .examples-build/experiment-router/server.js
 */
import { McpServer } from '@modelcontextprotocol/server'
import { serveStdio } from '@modelcontextprotocol/server/stdio'
import { createCache, loadConfig, mergeOptions, redactSecrets } from 'mcp-cache'
import { sqlAnalytics, type AnalyticsSource } from './analytics-source.js'
import { TTL_BY_CATEGORY } from './cache-keys.js'
import { registerCacheTools } from './cache-tools.js'
import { openClickHouseAnalytics } from './clickhouse-analytics.js'
import { ExperimentRepository } from './experiment-repository.js'
import { ExperimentRouter } from './experiment-router.js'
import { ExperimentSearch } from './experiment-search.js'
import type { Database } from './database.js'
import { openDatabase } from './open-database.js'
import { registerRouterTools } from './router-tools.js'
import { registerSearchTools } from './search-tools.js'
import { lanceVectorIndex } from './vector-index.js'

/**
 * A URL as it may be printed: rebuilt without user and password by the URL API. Text redaction
 * cannot tell where a password with a space or a quote ends; the parser can.
 */
function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return '(an unreadable CLICKHOUSE_URL)'
  const parsed = new URL(url)
  parsed.username = ''
  parsed.password = ''
  return parsed.toString()
}

/** A message without any password a driver echoed from a connection string. */
const safeMessage = (error: unknown): string => redactSecrets(error instanceof Error ? error.message : String(error))

let db: Database
try {
  db = await openDatabase(process.env['DATABASE_URL']?.trim() || undefined)
} catch (error) {
  console.error(`[experiment-router] cannot open the database: ${safeMessage(error)}`)
  process.exit(1)
}
const repository = new ExperimentRepository(db)
const clickhouseUrl = process.env['CLICKHOUSE_URL']?.trim() || undefined
let analytics: AnalyticsSource
try {
  analytics = clickhouseUrl === undefined ? sqlAnalytics(repository) : await openClickHouseAnalytics(clickhouseUrl, repository)
} catch (error) {
  console.error(`[experiment-router] cannot use ClickHouse at ${withoutCredentials(clickhouseUrl ?? '')}: ${safeMessage(error)}. ` +
    'Start it, fix CLICKHOUSE_URL (http://host:8123/database), or unset CLICKHOUSE_URL to read analytics from the SQL database.')
  await db.close().catch(() => undefined)
  process.exit(1)
}
// The seed's TTLs and prefix, unless the environment (CACHE_PREFIX, CACHE_TTL_*) says otherwise.
const cache = createCache(mergeOptions({ prefix: 'router', ttl: TTL_BY_CATEGORY }, loadConfig()))
// An MCP server answers its client at once: Redis is waited for in the background (REDIS_TIMEOUT,
// default 60 s), and until it answers every read goes to the database. The first reads wait for the
// first connection (at most connectTimeout, 2 s; a refused one ends the wait at once), so a Redis
// that is merely starting is used from the first call.
cache.ready().then(
  (up) => {
    if (!up) console.error('[experiment-router] cache store not reachable: answering from the database until it is')
  },
  (error: unknown) => console.error(`[experiment-router] waiting for the cache store failed: ${safeMessage(error)}`),
)
const vectors = lanceVectorIndex(repository)
const router = new ExperimentRouter(cache, { repository, analytics, vectors })
const search = new ExperimentSearch(cache, repository, vectors)

const handle = serveStdio(() => {
  const server = new McpServer({ name: 'experiment-router', version: '1.0.0' })
  registerRouterTools(server, router)
  registerSearchTools(server, search)
  registerCacheTools(server, { router, cache, database: db.kind, analytics: analytics.kind })
  return server
}, { onerror: (error) => console.error(`[experiment-router] ${error.message}`) })

let closing = false
/** Closes the MCP transport, the cache, the vector index and the databases once, then exits. */
async function shutdown(): Promise<void> {
  if (closing) return
  closing = true
  await handle.close().catch(() => undefined)
  await cache.close().catch(() => undefined)
  await vectors.close().catch(() => undefined)
  await analytics.close().catch(() => undefined)
  await db.close().catch(() => undefined)
  process.exit(0)
}
// The client closing stdin is the normal end of a stdio server; signals are the other.
process.stdin.once('end', () => void shutdown())
process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
