/**
 * A bounded soak: clients with two tokens call tools through `mcp-cache serve`
 * (tiered store on a private Redis) for SOAK_SECONDS (10 in `npm test`; `npm run
 * soak` runs 120). Asserts zero errors and a flat gateway RSS, and prints the figures.
 */
import { readFileSync } from 'node:fs'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 10)
const CLIENTS = 8

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

describe(`soak: ${SECONDS} s through serve with Redis`, () => {
  let redis: RedisServerHandle
  let gateway: UrlProcess
  beforeAll(async () => {
    redis = await startRedisServer({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] })
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--store', 'tiered', '--redis-url', redis.url, '--', process.execPath, COUNTING_SERVER], process.env['SOAK_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['SOAK_NODE_OPTIONS'] } : {})
  })
  afterAll(async () => {
    await gateway?.stop()
    await redis?.stop()
  })

  it('makes no errors and keeps the gateway memory flat', async () => {
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const client = new Client({ name: `soak-${i}`, version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: i % 2 === 0 ? 'legacy' : { pin: '2026-07-28' } } })
        await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer soak-token-${i % 2}` } } }))
        return client
      }),
    )
    const pid = gateway.child.pid as number
    const rss: number[] = []
    const sampler = setInterval(() => rss.push(rssMb(pid)), 500)
    const deadline = Date.now() + SECONDS * 1000
    let calls = 0
    const errors: string[] = []
    await Promise.all(
      clients.map(async (client, i) => {
        let n = i
        while (Date.now() < deadline) {
          n = (n * 7 + 3) % 997
          const name = n % 3 === 0 ? 'get_record' : n % 3 === 1 ? 'whoami' : 'lookup_code'
          const args = name === 'get_record' ? { id: `r${n % 50}` } : name === 'whoami' ? { n: n % 200 } : { code: `C${n % 300}` }
          try {
            const result = await client.callTool({ name, arguments: args })
            if (result.isError === true) errors.push(`${name}: isError`)
          } catch (error) {
            errors.push(`${name}: ${(error as Error).message}`)
          }
          calls++
        }
      }),
    )
    clearInterval(sampler)
    await Promise.all(clients.map((client) => client.close()))
    const third = Math.max(1, Math.floor(rss.length / 3))
    const middle = Math.max(...rss.slice(third, 2 * third))
    const last = Math.max(...rss.slice(-third))
    console.log(`soak ${SECONDS} s: ${calls} calls (${Math.round(calls / SECONDS)}/s), ${errors.length} errors, gateway RSS ${rss[0]?.toFixed(0)} MB at start, peak ${middle.toFixed(0)} MB in the middle third, ${last.toFixed(0)} MB in the last`)
    expect(errors).toStrictEqual([])
    expect(calls).toBeGreaterThan(SECONDS * 50)
    expect(last).toBeLessThan(middle * 1.25 + 10)
  }, (SECONDS + 60) * 1000)
})
