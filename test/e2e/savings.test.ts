/**
 * What caching saved, measured against a counting upstream whose `wait_50` tool takes 50 ms:
 * upstream calls avoided (hits and calls that shared another's upstream call), upstream time
 * saved (each credited with the tool's median upstream time) and money (the config's `cost`),
 * in `/stats`, `/metrics` and `mcp-cache stats`, on the memory store and on Redis.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const TOKEN = 'savings-e2e-token-789'
const COST = 0.004

interface ToolSavings {
  callsAvoided: number
  secondsSaved: number
  upstreamMedianMs: number
  costSaved?: number
}

for (const store of ['memory', 'redis'] as const) {
  describe(`savings of serve on the ${store} store`, () => {
    let redis: RedisServerHandle | undefined
    let gateway: UrlProcess
    let client: Client
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mcp-cache-savings-'))
      const config = join(dir, 'gateway.json')
      writeFileSync(config, JSON.stringify({ tools: { wait_50: { cost: COST } }, costUnit: 'USD' }))
      const storeFlags = store === 'memory' ? ['--store', 'memory'] : ['--store', 'redis', '--redis-url', (redis = await startRedisServer()).url]
      gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--admin-port', '0', '--config', config, ...storeFlags, '--', process.execPath, COUNTING_SERVER], { MCP_CACHE_ADMIN_TOKEN: TOKEN })
      client = new Client({ name: 'savings-e2e', version: '1.0.0' }, { capabilities: {} })
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { authorization: 'Bearer savings-user' } } }))
    })
    afterAll(async () => {
      await client?.close()
      await gateway?.stop()
      await redis?.stop()
    })

    const admin = async (path: string): Promise<Response> => fetch(`${gateway.adminUrl ?? ''}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const call = async (q: string): Promise<unknown> => (await client.callTool({ name: 'wait_50', arguments: { q } }))._meta?.['mcp-cache/status']

    it('counts N hits of a 50 ms tool as N avoided calls and about N x 50 ms, and the cost adds up', async () => {
      expect(await call('a')).toBe('miss')
      const hits = 10
      for (let i = 0; i < hits; i++) expect(await call('a')).toBe('hit')
      // Five identical calls at once: one goes upstream, four share it (or hit, if it landed first).
      const together = await Promise.all(Array.from({ length: 5 }, () => call('b')))
      expect(together.filter((status) => status === 'miss').length).toBeGreaterThanOrEqual(1)
      const avoided = hits + 4

      const stats = (await (await admin('/stats')).json()) as { tools: Record<string, ToolSavings>; toolSavings: { callsAvoided: number; secondsSaved: number; costSaved: number; costUnit: string } }
      const tool = stats.tools['wait_50'] as ToolSavings
      expect(tool.callsAvoided).toBe(avoided)
      // The upstream took at least its 50 ms each time; every avoided call is credited with that median.
      expect(tool.upstreamMedianMs).toBeGreaterThanOrEqual(50)
      expect(tool.secondsSaved).toBeGreaterThanOrEqual(avoided * 0.05)
      expect(tool.secondsSaved).toBeLessThanOrEqual(avoided * Math.max(tool.upstreamMedianMs, 1) * 2 / 1000)
      expect(tool.costSaved).toBeCloseTo(avoided * COST, 10)
      expect(stats.toolSavings).toMatchObject({ callsAvoided: avoided, costUnit: 'USD' })
      expect(stats.toolSavings.costSaved).toBeCloseTo(avoided * COST, 10)
      // What the upstream itself counted: two calls, one per distinct question.
      const counted = await client.callTool({ name: 'upstream_counts', arguments: {}, _meta: { 'mcp-cache/cacheMode': 'bypass' } })
      expect(JSON.parse((counted.content as Array<{ text: string }>)[0]?.text ?? '{}')).toMatchObject({ wait_50: 2 })

      const metrics = await (await admin('/metrics')).text()
      expect(metrics).toMatch(new RegExp(`^mcp_cache_upstream_calls_avoided_total\\{tool="wait_50"\\} ${avoided}$`, 'm'))
      expect(Number(/^mcp_cache_upstream_seconds_saved_total\{tool="wait_50"\} (\S+)$/m.exec(metrics)?.[1])).toBeCloseTo(tool.secondsSaved, 6)
      expect(Number(/^mcp_cache_cost_saved_total\{tool="wait_50"\} (\S+)$/m.exec(metrics)?.[1])).toBeCloseTo(avoided * COST, 10)

      const printed = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [CLI, 'stats', '--admin-url', gateway.adminUrl ?? ''], { env: { ...process.env, MCP_CACHE_ADMIN_TOKEN: TOKEN } }, (error, stdout) => (error === null ? resolve(stdout) : reject(error))),
      )
      expect(printed).toContain(`saved ${avoided} upstream calls`)
      expect(printed).toContain(`${(avoided * COST).toFixed(4)} USD`)
      expect(printed).toMatch(/wait_50\s+14 calls avoided/)
    })
  })
}
