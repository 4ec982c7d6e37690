import type { McpServer } from '@modelcontextprotocol/server'
import type { Cache } from 'mcp-cache'
import * as z from 'zod'
import type { ExperimentRouter } from './experiment-router.js'
import { routerHealth } from './router-health.js'
import { answer } from './tool-answer.js'

/** What the cache tools report besides the cache itself. */
export interface CacheToolContext {
  readonly router: ExperimentRouter
  readonly cache: Cache
  /** `sqlite` or `postgres`. */
  readonly database: string
  /** `sql` or `clickhouse`. */
  readonly analytics: string
}

/** Registers the seed's cache operations: pattern invalidation and the health check. */
export function registerCacheTools(server: McpServer, { router, cache, database, analytics }: CacheToolContext): void {
  server.registerTool('invalidate_cache', {
    description: "Drops the cached entries whose keys match a Redis glob, as the seed's invalidate_cache('experiment:exp_123*'). " +
      'The pattern is a key category and a colon (experiment:, assignment:, user:, metrics:, analytics:, vector:, event:), ' +
      'an identifier without wildcards, and at most one * at the end.',
    inputSchema: z.object({ pattern: z.string().max(512) }),
    annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
  }, ({ pattern }) => answer(() => router.invalidateCache(pattern)))

  server.registerTool('router_health', {
    description: 'Which database and analytics store answer, whether the cache store is healthy, its memory use, and the hit/miss/error counters.',
    inputSchema: z.object({}), annotations: { readOnlyHint: true, openWorldHint: false },
  }, () => answer(() => routerHealth(cache, database, analytics)))
}
