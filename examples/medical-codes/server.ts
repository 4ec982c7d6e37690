/**
 * Medical-codes MCP server (stdio), the seed 004 example: CPT and ICD-10
 * lookups, search, category lists, team hot codes and crosswalks, cached under
 * the seed's keys (`cpt:{code}`, `icd10:{code}`, `hot:codes:{teamId}`,
 * `{type}:category:{category}`, `crosswalk:{icd10}:{cpt?}`) with its TTLs,
 * in memory by default or in Redis (CACHE_BACKEND=redis, REDIS_URL).
 * Run: node .examples-build/medical-codes/server.js
 */
import { McpServer } from '@modelcontextprotocol/server'
import { serveStdio } from '@modelcontextprotocol/server/stdio'
import { createCache, loadConfig, mergeOptions } from 'mcp-cache'
import { CodeDatabase } from './code-database.js'
import { CODE_TTLS } from './code-keys.js'
import { registerCodeTools } from './code-tools.js'
import { warmHotCodes } from './hot-codes-warmer.js'
import { readServerConfig } from './server-config.js'

// Start-up lines are for people; LOG_LEVEL=error (as tests and quiet deployments set it) leaves them out.
const quiet = ['error', 'fatal', 'silent'].includes(process.env['LOG_LEVEL'] ?? '')
const warn = (line: string): void => void process.stderr.write(`[medical-codes] ${line}\n`)
const log = (line: string): void => {
  if (!quiet) warn(line)
}

const config = readServerConfig()
// The seed's TTLs; CACHE_TTL_<CATEGORY> and a config file (read by loadConfig) override them.
const cache = createCache(mergeOptions({ ttl: CODE_TTLS }, loadConfig()))
const db = new CodeDatabase(config)

// An MCP server answers its client at once, so the warming runs while it already does. It first
// asks the store for its health, which waits for the first Redis connection at most connectTimeout
// (2 s; a refused one ends the wait at once): with Redis down nothing is loaded for nothing, and the
// teams load on first use. A hot_codes call made meanwhile waits for the warming, so it is a hit.
async function warmIfStoreAnswers(): Promise<void> {
  const health = await cache.health()
  if (!health.healthy) {
    warn(`cache store not answering (${health.error ?? 'unknown'}): starting cold, hot codes load on first use`)
    return
  }
  const warm = await warmHotCodes(cache, db, config.warmTeams)
  log(`warmed hot codes of ${warm.teams - warm.failed}/${warm.teams} teams (${warm.codes} codes) in ${warm.ms} ms`)
}
const warming = warmIfStoreAnswers().catch((error: unknown) => warn(`warming failed: ${error instanceof Error ? error.message : String(error)}`))

const handle = serveStdio(
  () => {
    const server = new McpServer({ name: 'medical-codes', version: '1.0.0' })
    registerCodeTools(server, { cache, db, warming })
    return server
  },
  { onerror: (error) => warn(error.message) },
)

let stopping = false
/** Closes the Redis connection too, or it would keep the process alive after the client left. */
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  await handle.close().catch(() => {})
  await cache.close()
  process.exit(0)
}
process.stdin.once('close', () => void shutdown())
process.stdin.once('end', () => void shutdown())
process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
log(`ready: cache=${cache.storeKind}, ${config.cptCount} CPT + ${config.icd10Count} ICD-10 codes, origin latency ${config.latencyMs} ms`)
