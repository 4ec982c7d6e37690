/**
 * Entry point: `node .examples-build/health-api/server.js`. Serves the
 * MedInsight API on 127.0.0.1:PORT and prints its URL on the first stdout line.
 */
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { createHealthApp } from './app.js'
import { DrugSource } from './drug-source.js'
import { createMedinsightCache } from './medinsight-cache.js'
import { readServerConfig } from './server-config.js'

const config = readServerConfig(process.env)
const drugs = new DrugSource(config.drugSourceFile)
// A missing or malformed DRUG_SOURCE_FILE stops the start here, naming the field.
await drugs.load().catch((error: unknown) => {
  throw new Error(`DRUG_SOURCE_FILE ${config.drugSourceFile ?? ''}: ${(error as Error).message}`)
})
const cache = createMedinsightCache(process.env)
const { app } = createHealthApp({ cache, drugs, analysisDelayMs: config.analysisDelayMs, drugInfoMaxAgeMs: config.drugInfoMaxAgeMs, adminToken: config.adminToken })

// Listen at once: while Redis is away every request goes to the origin (the seed's "graceful
// degradation"), and the first requests wait for the first connection at most connectTimeout (2 s;
// a refused one ends the wait at once), so a Redis that is merely starting serves them. Whether it
// answers within REDIS_TIMEOUT (default 60 s) is only reported.
cache.ready().then(
  (up) => {
    if (!up) console.error(`the ${cache.storeKind} store did not answer at startup; serving from the origin until it does`)
  },
  (error: unknown) => console.error(`waiting for the ${cache.storeKind} store failed: ${(error as Error).message}`),
)

const server = serve({ fetch: app.fetch, port: config.port, hostname: '127.0.0.1' }, (address: AddressInfo) => {
  console.log(`health-api listening on http://127.0.0.1:${address.port} (store: ${cache.storeKind}, analysis delay ${config.analysisDelayMs} ms)`)
})

let stopping = false
/** Stops accepting requests, lets open ones finish, then closes the cache's connections. */
function shutdown(): void {
  if (stopping) return
  stopping = true
  server.close(() => {
    void cache.close().finally(() => process.exit(0))
  })
  // Keep-alive sockets would hold close() open; a bounded wait is enough for an example.
  setTimeout(() => process.exit(0), 3000).unref()
}
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
