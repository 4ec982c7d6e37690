/**
 * The seed's `GET /api/v1/redis/health`: Redis connection status, version,
 * memory and keyspace, open like the seed's (load balancers poll it without a
 * token), and 503 while the store does not answer, so a poller sees an outage.
 * The admin API's own `/health` only says the process is up.
 */
import type { Context } from 'hono'
import type { Cache } from 'mcp-cache'

/** Answers the seed's health check from the cache's health and Redis INFO. */
export async function redisHealth(cache: Cache, c: Context): Promise<Response> {
  const health = await cache.health()
  const info = health.healthy ? await cache.serverInfo().catch(() => undefined) : undefined
  const body = {
    status: health.healthy ? 'healthy' : 'unhealthy',
    connected: health.healthy,
    store: health.store,
    ...(health.latencyMs === undefined ? {} : { latency_ms: Math.round(health.latencyMs * 100) / 100 }),
    ...(health.error === undefined ? {} : { error: health.error }),
    ...(info === undefined
      ? {}
      : {
          redis_version: info['redis_version'],
          used_memory: Number(info['used_memory']),
          used_memory_human: info['used_memory_human'],
          keyspace: keyspaceOf(info),
        }),
  }
  return c.json(body, health.healthy ? 200 : 503)
}

/** `db0: keys=12,expires=10,avg_ttl=0` lines of INFO, as numbers per database. */
function keyspaceOf(info: Record<string, string>): Record<string, { keys: number; expires: number }> {
  const keyspace: Record<string, { keys: number; expires: number }> = {}
  for (const [name, value] of Object.entries(info)) {
    if (!/^db\d+$/.test(name)) continue
    keyspace[name] = { keys: Number(/keys=(\d+)/.exec(value)?.[1] ?? 0), expires: Number(/expires=(\d+)/.exec(value)?.[1] ?? 0) }
  }
  return keyspace
}
