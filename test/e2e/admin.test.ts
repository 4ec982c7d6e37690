/** The admin API on a real socket, attached to `mcp-cache serve` with a Redis store. */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const TOKEN = 'admin-e2e-token-456'

describe('admin API beside serve', () => {
  let redis: RedisServerHandle
  let gateway: UrlProcess
  let mcpUrl = ''
  let adminUrl = ''
  beforeAll(async () => {
    redis = await startRedisServer({ args: ['--maxmemory', '16mb', '--maxmemory-policy', 'allkeys-lru'] })
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--admin-port', '0', '--store', 'redis', '--redis-url', redis.url, '--', process.execPath, COUNTING_SERVER], { MCP_CACHE_ADMIN_TOKEN: TOKEN })
    mcpUrl = gateway.url
    adminUrl = gateway.adminUrl ?? ''
  })
  afterAll(async () => {
    await gateway?.stop()
    await redis?.stop()
  })

  const get = (path: string, token = TOKEN) => fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })

  it('binds loopback and refuses a wrong token', async () => {
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:/)
    expect((await get('/stats', 'not-the-token')).status).toBe(401)
    expect((await fetch(`${adminUrl}/health`)).status).toBe(200)
  })

  it('shows gateway traffic in stats, Redis in performance and metrics, and invalidates a tool', async () => {
    const client = new Client({ name: 'admin-e2e', version: '1.0.0' }, { capabilities: {} })
    // A caller with credentials: one without has no principal, and user-scoped tools bypass the cache for it.
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: 'Bearer admin-test-user' } } }))
    const status = async () => (await client.callTool({ name: 'lookup_code', arguments: { code: 'A1' } }))._meta?.['mcp-cache/status']
    expect(await status()).toBe('miss')
    expect(await status()).toBe('hit')
    const stats = (await (await get('/stats')).json()) as { hits: number; byCategory: Record<string, { hits: number }>; tools: Record<string, { hit: number; miss: number; hitRate: number }> }
    expect(stats.byCategory['call']?.hits).toBe(1)
    expect(stats.tools['lookup_code']).toMatchObject({ hit: 1, miss: 1, hitRate: 0.5 })
    const performance = (await (await get('/performance')).json()) as { memory: { maxmemoryBytes: number; policy: string }; version: string }
    expect(performance.memory).toMatchObject({ maxmemoryBytes: 16777216, policy: 'allkeys-lru' })
    const ready = (await (await get('/health/ready')).json()) as { status: string; store: string; breaker: string }
    expect(ready).toMatchObject({ store: 'redis', breaker: 'closed' })
    const metrics = await (await get('/metrics')).text()
    expect(metrics).toMatch(/mcp_cache_redis_maxmemory_bytes 16777216/)
    const invalidated = await fetch(`${adminUrl}/cache/invalidate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tools: ['lookup_code'] }),
    })
    expect(await invalidated.json()).toStrictEqual({ deleted: 0, tools: ['lookup_code'] })
    expect(await status()).toBe('miss')
    await client.close()
  })

  it('answers bad parameters with a 400 naming them, never a raw Redis error', async () => {
    for (const path of ['/keys?count=-5', '/keys?count=0.5', '/keys?cursor=99999999999999999999']) {
      const response = await get(path)
      const body = (await response.json()) as { error: string }
      expect(response.status, path).toBe(400)
      expect(body.error, path).toMatch(/^(count|cursor) must be/)
    }
    const odd = await fetch(`${adminUrl}/cache/..%2Fx/y`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })
    expect([odd.status, await odd.json()]).toStrictEqual([400, { code: 'E_INVALID_KEY', error: expect.stringContaining('category must match') }])
  })

  it('limits by the socket address, not a client-supplied X-Forwarded-For, and never locks out the right token', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => fetch(`${adminUrl}/stats`, { headers: { authorization: 'Bearer wrong', 'x-forwarded-for': `10.1.${i % 250}.${i % 7}` } }).then((response) => response.status)),
    )
    expect(guesses.filter((status) => status === 429).length).toBeGreaterThan(150)
    expect((await get('/stats')).status).toBe(200)
  })
})
