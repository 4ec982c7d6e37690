/**
 * `serve` answers an in-process tools/call hit as one JSON body, skipping the SDK
 * transport. That shortcut must keep what the transport path does: refuse what
 * it refuses, read Redis once per miss, finish on shutdown, and give each
 * protocol era a result its client accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const ACCEPT = 'application/json, text/event-stream'
const auth = { authorization: 'Bearer token-json' }
const lookup = (id: unknown, code: string, extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'lookup_code', arguments: { code }, ...extra } })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function post(url: string, headers: Record<string, string>, body: unknown) {
  const started = Date.now()
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, text, ms: Date.now() - started }
}

/** A 2025-11-25 session on `url`; returns the headers of its later requests. */
async function openSession(url: string): Promise<Record<string, string>> {
  const init = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...auth }, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) })
  await init.text()
  const headers = { ...auth, 'mcp-session-id': init.headers.get('mcp-session-id') ?? '', 'mcp-protocol-version': '2025-11-25' }
  await post(url, headers, { jsonrpc: '2.0', method: 'notifications/initialized' })
  return headers
}

describe('serve: a tools/call hit keeps the transport path’s behaviour', () => {
  let gateway: UrlProcess
  let headers: Record<string, string>
  beforeAll(async () => {
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, COUNTING_SERVER])
    headers = await openSession(gateway.url)
    expect((await post(gateway.url, headers, lookup(1, 'V1'))).status).toBe(200)
  })
  afterAll(async () => {
    await gateway.stop()
  })

  it('refuses invalid JSON-RPC requests as the SDK transport does, hit or not', async () => {
    const invalid = [lookup(1.5, 'V1'), lookup(2, 'V1', { _meta: 'x' }), lookup(3, 'V1', { _meta: { progressToken: { a: 1 } } }), { ...lookup(4, 'V1'), result: {} }]
    for (const body of invalid) expect((await post(gateway.url, headers, body)).status).toBe(400)
  })
})

describe('serve over Redis: hits and misses', () => {
  let redis: RedisServerHandle
  let gateway: UrlProcess
  let headers: Record<string, string>
  const pause = (ms: number) => redis.command('CLIENT', 'PAUSE', String(ms), 'ALL')
  const stats = async () => (await (await fetch(`${gateway.adminUrl}/stats`, { headers: { authorization: 'Bearer adm' } })).json()) as { errors: number; misses: number }
  beforeAll(async () => {
    redis = await startRedisServer()
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--admin-port', '0', '--store', 'redis', '--redis-url', redis.url, '--', process.execPath, COUNTING_SERVER], { MCP_CACHE_ADMIN_TOKEN: 'adm' })
    headers = await openSession(gateway.url)
    expect((await post(gateway.url, headers, lookup(1, 'R1'))).status).toBe(200)
  })
  afterAll(async () => {
    await gateway.stop()
    await redis.stop()
  })

  it('a call while Redis stalls waits for one operation timeout (250 ms), not two, and goes upstream', async () => {
    await pause(600)
    const bypassed = await post(gateway.url, headers, lookup(2, 'R2'))
    expect(bypassed.text).toContain('"bypass"')
    expect(bypassed.ms).toBeLessThan(400)
    await sleep(700)
  })

  it('a call with Redis down counts one failed read (the generations) and nothing else', async () => {
    const before = await stats()
    await redis.kill()
    for (let i = 0; i < 4; i++) expect((await post(gateway.url, headers, lookup(10 + i, `D${i}`))).text).toContain('"bypass"')
    const after = await stats()
    expect(after.misses - before.misses).toBe(0)
    expect(after.errors - before.errors).toBeGreaterThan(0)
    expect(after.errors - before.errors).toBeLessThanOrEqual(4)
    await redis.restart()
  })
})

describe('serve over Redis shutting down', () => {
  it('finishes a hit in flight on SIGTERM', async () => {
    const redis = await startRedisServer()
    const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--store', 'redis', '--redis-url', redis.url, '--', process.execPath, COUNTING_SERVER])
    try {
      const headers = await openSession(gateway.url)
      await post(gateway.url, headers, lookup(1, 'T1'))
      await redis.command('CLIENT', 'PAUSE', '150', 'ALL')
      const hit = post(gateway.url, headers, lookup(2, 'T1')).then((answer) => answer, (error: Error) => ({ status: 0, text: String((error.cause as { code?: string })?.code ?? error.message), ms: 0 }))
      await sleep(40)
      gateway.child.kill('SIGTERM')
      const answer = await hit
      expect(answer.status).toBe(200)
      expect(answer.text).toContain('"hit"')
    } finally {
      await gateway.stop()
      await redis.stop()
    }
  })
})

describe('serve: one principal speaking both protocol eras', () => {
  it('a result cached for a 2025-11-25 session is a valid result for a 2026-07-28 client, and back', async () => {
    const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, COUNTING_SERVER])
    try {
      const legacy = await connectClient(gateway.url, 'legacy')
      const modern = await connectClient(gateway.url, '2026')
      const first = await legacy.callTool({ name: 'lookup_code', arguments: { code: 'E1' } })
      const second = await modern.callTool({ name: 'lookup_code', arguments: { code: 'E1' } })
      expect(second.content).toEqual(first.content)
      expect(second._meta?.['mcp-cache/status']).toBe('hit')
      const third = await modern.callTool({ name: 'lookup_code', arguments: { code: 'E2' } })
      const fourth = await legacy.callTool({ name: 'lookup_code', arguments: { code: 'E2' } })
      expect(fourth.content).toEqual(third.content)
      expect(fourth._meta?.['mcp-cache/status']).toBe('hit')
      await Promise.all([legacy.close(), modern.close()])
    } finally {
      await gateway.stop()
    }
  })
})

async function connectClient(url: string, era: 'legacy' | '2026'): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: auth } })
  const client = new Client({ name: 'era-test', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: era === 'legacy' ? 'legacy' : { pin: '2026-07-28' } } })
  await client.connect(transport)
  return client
}
