/**
 * Three `mcp-cache serve` gateways with the tiered store on one Redis, as behind
 * a load balancer: they share entries, and a tool invalidated on one is gone
 * from the L1s of the others (the invalidation bus), not served for another minute.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const TOKEN = 'fleet-admin-token-789'

describe('three serve gateways sharing one tiered cache', () => {
  let redis: RedisServerHandle
  let gateways: UrlProcess[] = []
  let clients: Client[] = []
  beforeAll(async () => {
    redis = await startRedisServer()
    gateways = await Promise.all(
      [0, 1, 2].map(() =>
        spawnWithUrl([CLI, 'serve', '--port', '0', '--admin-port', '0', '--store', 'tiered', '--redis-url', redis.url, '--', process.execPath, COUNTING_SERVER], {
          MCP_CACHE_ADMIN_TOKEN: TOKEN,
          CACHE_L1_HEARTBEAT: '200ms',
          // One secret, so one caller's credentials are one principal on every gateway.
          MCP_CACHE_SECRET: 'fleet-secret',
        }),
      ),
    )
    clients = await Promise.all(
      gateways.map(async (gateway) => {
        const client = new Client({ name: 'fleet-e2e', version: '1.0.0' }, { capabilities: {} })
        await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { authorization: 'Bearer fleet-user' } } }))
        return client
      }),
    )
  })
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()))
    await Promise.all(gateways.map((gateway) => gateway.stop()))
    await redis?.stop()
  })

  const status = async (client: Client | undefined) => (await client?.callTool({ name: 'lookup_code', arguments: { code: 'B2' } }))?._meta?.['mcp-cache/status']

  it('serves one gateway’s entry from the others, and an invalidation on one reaches every L1', async () => {
    const [first, second, third] = clients
    expect(await status(first)).toBe('miss')
    expect(await status(second)).toBe('hit') // from Redis, now in the second gateway's L1 too
    expect(await status(third)).toBe('hit')
    // Every gateway hears the other two (and itself) within a few heartbeats of starting.
    const busOf = async () => ((await (await fetch(`${gateways[1]?.adminUrl}/health/ready`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { bus?: { inSync: boolean; peers: number } }).bus
    const deadline = Date.now() + 3_000
    let bus = await busOf()
    while (bus?.peers !== 3 && Date.now() < deadline) bus = await new Promise((resolve) => setTimeout(resolve, 100)).then(busOf)
    expect(bus).toMatchObject({ inSync: true, peers: 3 })

    const invalidated = await fetch(`${gateways[0]?.adminUrl}/cache/invalidate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tools: ['lookup_code'] }),
    })
    expect(await invalidated.json()).toStrictEqual({ deleted: 0, tools: ['lookup_code'] })
    // Generation tokens live in Redis only, never in an L1: the other gateways see the invalidation at once.
    expect(await status(second)).toBe('miss')
    expect(await status(third)).toBe('hit') // the second gateway's fresh result, through Redis
  })
})
