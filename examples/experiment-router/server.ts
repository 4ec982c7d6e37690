/**
 * The seed's MCP router as an MCP server over stdio: experiments, assignments,
 * user profiles and events in SQLite (default) or PostgreSQL (DATABASE_URL),
 * behind mcp-cache (memory by default; CACHE_BACKEND=redis with REDIS_URL for Redis).
 *
 *   node .examples-build/experiment-router/server.js
 */
import { McpServer } from '@modelcontextprotocol/server'
import { serveStdio } from '@modelcontextprotocol/server/stdio'
import { createCache, loadConfig, mergeOptions, redactSecrets } from 'mcp-cache'
import { TTL_BY_CATEGORY } from './cache-keys.js'
import { ExperimentRepository } from './experiment-repository.js'
import { ExperimentRouter } from './experiment-router.js'
import type { Database } from './database.js'
import { openDatabase } from './open-database.js'
import { registerRouterTools } from './router-tools.js'

let db: Database
try {
  db = await openDatabase(process.env['DATABASE_URL']?.trim() || undefined)
} catch (error) {
  // Driver messages can echo the connection string: never print a password.
  console.error(`[experiment-router] cannot open the database: ${redactSecrets(error instanceof Error ? error.message : String(error))}`)
  process.exit(1)
}
// The seed's TTLs and prefix, unless the environment (CACHE_PREFIX, CACHE_TTL_*) says otherwise.
const cache = createCache(mergeOptions({ prefix: 'router', ttl: TTL_BY_CATEGORY }, loadConfig()))
// Wait (briefly) for Redis before taking calls, so the first reads are cached rather
// than racing the connection; if Redis is down the router starts anyway, on the database alone.
if (!(await cache.ready('5s'))) console.error('[experiment-router] cache store not reachable: answering from the database until it is')
const repository = new ExperimentRepository(db)
const router = new ExperimentRouter(cache, repository)

const handle = serveStdio(() => {
  const server = new McpServer({ name: 'experiment-router', version: '1.0.0' })
  registerRouterTools(server, { router, cache, backend: db.kind })
  return server
}, { onerror: (error) => console.error(`[experiment-router] ${error.message}`) })

let closing = false
/** Closes the MCP transport, the cache and the database once, then exits. */
async function shutdown(): Promise<void> {
  if (closing) return
  closing = true
  await handle.close().catch(() => undefined)
  await cache.close().catch(() => undefined)
  await db.close().catch(() => undefined)
  process.exit(0)
}
// The client closing stdin is the normal end of a stdio server; signals are the other.
process.stdin.once('end', () => void shutdown())
process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
