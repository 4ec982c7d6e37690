/** The deployment files say what they claim: compose and alert rules parse and name the seeds' settings; redis.conf loads in a real redis-server. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createAdminApp } from '../../src/admin/admin-app.js'
import { createCache } from '../../src/cache/create-cache.js'
import { ROOT } from '../helpers/proxy-client.js'
import { findFreePort, startRedisServer } from '../helpers/redis-server.js'

const deploy = (file: string) => readFileSync(join(ROOT, 'deploy', file), 'utf8')

/** The metric names a /metrics text declares (`# TYPE <name> <kind>`): whole names, not prefixes. */
const exportedNames = (text: string): string[] => [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] as string)

describe('deployment files', () => {
  it('docker-compose runs Redis 7 with AOF, 256mb allkeys-lru and a health check, and the gateway after it is healthy', () => {
    const compose = parse(deploy('docker-compose.yml')) as {
      services: { redis: { image: string; command: string[]; healthcheck: { test: string[] } }; 'mcp-cache': { depends_on: { redis: { condition: string } }; environment: Record<string, string> } }
    }
    const { redis, 'mcp-cache': gateway } = compose.services
    expect(redis.image).toMatch(/^redis:7/)
    expect(redis.command.join(' ')).toContain('--appendonly yes')
    expect(redis.command.join(' ')).toContain('--maxmemory 256mb')
    expect(redis.command.join(' ')).toContain('--maxmemory-policy allkeys-lru')
    expect(redis.healthcheck.test.join(' ')).toContain('ping')
    expect(gateway.depends_on.redis.condition).toBe('service_healthy')
    expect(JSON.stringify(gateway.environment)).not.toMatch(/TOKEN: [^$]/)
  })

  it('redis.conf loads in a real redis-server with the seeds settings', async () => {
    const server = await startRedisServer({ port: await findFreePort(), config: join(ROOT, 'deploy', 'redis.conf') })
    try {
      const get = async (name: string) => (await server.command('CONFIG', 'GET', name)).split('\r\n')[4]
      expect(await get('appendonly')).toBe('yes')
      expect(await get('maxmemory')).toBe(String(256 * 1024 * 1024))
      expect(await get('maxmemory-policy')).toBe('allkeys-lru')
      expect(await get('appendfsync')).toBe('everysec')
    } finally {
      await server.stop()
    }
  })

  it('alert rules use only metrics the admin API exports', async () => {
    const rules = parse(deploy('prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }
    const names = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert))
    expect(names).toStrictEqual(['MCPCacheMemoryHigh', 'MCPCacheHitRateLow', 'MCPCacheConnectionErrors', 'MCPCacheSlowOperations'])
    const cache = createCache({ logger: false })
    await cache.getOrSet('a:b', async () => 1)
    const app = createAdminApp({ cache, token: 't' })
    const exported = await (await app.request('/metrics', { headers: { authorization: 'Bearer t' } })).text()
    for (const rule of rules.groups.flatMap((group) => group.rules)) {
      for (const metric of rule.expr.match(/mcp_cache_[a-z0-9_]+/g) ?? []) expect(exportedNames(exported), `${rule.alert} uses ${metric}`).toContain(metric)
    }
    await cache.close()
  })

  it("the Grafana dashboard queries only metrics a gateway's admin API exports, in every panel", async () => {
    const dashboard = JSON.parse(deploy('grafana/mcp-cache.json')) as { uid: string; panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> }
    expect(dashboard.uid).toBe('mcp-cache')
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row')
    expect(panels.map((panel) => panel.title)).toEqual(expect.arrayContaining(['Hit rate (5 min)', 'Upstream calls avoided per second, by tool', 'Money saved (last 24 h)', 'Redis memory', 'Alert conditions (1 = firing)']))
    const cache = createCache({ logger: false })
    await cache.getOrSet('a:b', async () => 1)
    // As `serve` attaches it: with the gateway's per-tool figures.
    const tool = { hit: 1, miss: 1, stale: 0, bypass: 0, error: 0, hitRate: 0.5, callsAvoided: 1, secondsSaved: 0.05, upstreamMedianMs: 50, costSaved: 0.004 }
    const app = createAdminApp({ cache, token: 't', toolStats: () => ({ search_web: tool }) })
    const exported = await (await app.request('/metrics', { headers: { authorization: 'Bearer t' } })).text()
    for (const panel of panels) {
      expect(panel.targets?.length ?? 0, `${panel.title} has no query`).toBeGreaterThan(0)
      for (const { expr } of panel.targets ?? []) {
        for (const metric of expr.match(/mcp_cache_[a-z0-9_]+/g) ?? []) expect(exportedNames(exported), `${panel.title} uses ${metric}`).toContain(metric)
      }
    }
    await cache.close()
  })
})
