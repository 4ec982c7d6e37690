/**
 * VistA patient-data MCP server (stdio), the seed 000 example: patient reads
 * cached per user under `patient:v1:{station}:{dfn}:{user_duz}`, in memory or
 * in Redis (CACHE_BACKEND), for PATIENT_CACHE_TTL_MINUTES (default 10).
 * Run: node .examples-build/patient-data/server.js
 */
import { McpServer } from '@modelcontextprotocol/server'
import { serveStdio } from '@modelcontextprotocol/server/stdio'
import { createCache, loadConfig, mergeOptions } from 'mcp-cache'
import { registerPatientTools } from './patient-tools.js'
import { readServerConfig } from './server-config.js'
import { openVistaDatabase } from './vista-database.js'
import { VistaRpcBroker } from './vista-rpc.js'

const config = readServerConfig()
// The seed's default of 10 minutes; PATIENT_CACHE_TTL_MINUTES (read by loadConfig) overrides it.
const cache = createCache(mergeOptions({ ttl: { patient: '10m' } }, loadConfig()))
const db = await openVistaDatabase(config.dataSeed)
const broker = new VistaRpcBroker(db, config.rpcLatencyMs)
// An MCP server answers its client at once: Redis is waited for in the background (REDIS_TIMEOUT, default 60 s),
// and until it answers every read goes to VistA (the first reads wait for the first connection, at most a
// couple of seconds, so a Redis that is merely starting is used from the first call).
cache.ready().then(
  (up) => {
    if (!up) process.stderr.write('[patient-data] the cache store is not answering; reads go to VistA until it does\n')
  },
  (error: unknown) => process.stderr.write(`[patient-data] waiting for the cache store failed: ${String(error)}\n`),
)

const handle = serveStdio(
  () => {
    const server = new McpServer({ name: 'vista-patient-data', version: '1.0.0' })
    registerPatientTools(server, { cache, broker, processDuz: config.processDuz })
    return server
  },
  { onerror: (error) => process.stderr.write(`[patient-data] ${error.message}\n`) },
)

let stopping = false
/** Closes the Redis connection too, or it would keep the process alive after the client left. */
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  await handle.close().catch(() => {})
  await cache.close()
  db.close()
  process.exit(0)
}
process.stdin.once('close', () => void shutdown())
process.stdin.once('end', () => void shutdown())
process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
process.stderr.write(`[patient-data] ready: cache=${cache.storeKind}, rpc latency ${config.rpcLatencyMs} ms, user ${config.processDuz ?? 'from _meta'}\n`)
