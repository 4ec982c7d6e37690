/**
 * Read-your-writes through the gateway on memory, Redis and tiered (two
 * gateway processes on one Redis for the shared stores; the cluster runs the
 * same scenario in test/integration/cluster.test.ts), and the caller's
 * freshness controls: cacheMode, maxAgeMs, and results marked no-cache.
 */
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER, writeConfig } from '../helpers/proxy-client.js'
import { MODERN_META, openSession, rawPost, STATELESS_HEADERS } from '../helpers/raw-http.js'
import { callTool, connectAs, countsOf, describeReadYourWrites } from '../helpers/read-your-writes.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

describeReadYourWrites({ name: 'memory', gateways: 1, start: async () => ['--store', 'memory'] })
for (const kind of ['redis', 'tiered'] as const) {
  let redis: RedisServerHandle | undefined
  describeReadYourWrites({
    name: `${kind} (two gateways)`,
    gateways: 2,
    env: { CACHE_L1_HEARTBEAT: '200ms' },
    start: async () => {
      redis = await startRedisServer()
      return ['--store', kind, '--redis-url', redis.url]
    },
    stop: async () => redis?.stop(),
  })
}

/** Polls a tool's cache status until it is `wanted` or 5 s passed; resolves to the last status. */
async function statusBecomes(client: Client, name: string, args: Record<string, unknown>, wanted: string): Promise<unknown> {
  let status = (await callTool(client, name, args)).status
  for (const deadline = Date.now() + 5000; status !== wanted && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    status = (await callTool(client, name, args)).status
  }
  return status
}

describe('a write that lands after the gateway gave up on it', () => {
  let upstream: UrlProcess
  let gateway: UrlProcess
  let client: Client
  beforeAll(async () => {
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    const config = writeConfig({ upstreamTimeout: '300ms', tools: { slow_write: { dedupeWindow: '10s' } } })
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--config', config, '--upstream', upstream.url])
    client = await connectAs(gateway.url, 'token-late')
  })
  afterAll(async () => {
    await client?.close()
    await gateway?.stop()
    await upstream?.stop()
  })

  it('drops when it times out, and again when its answer finally comes', async () => {
    await callTool(client, 'lookup_code', { code: 'L1' })
    expect((await callTool(client, 'lookup_code', { code: 'L1' })).status).toBe('hit')
    await expect(callTool(client, 'slow_write', {})).rejects.toThrow(/did not answer tools\/call within 300 ms/)
    expect((await callTool(client, 'lookup_code', { code: 'L1' })).status).toBe('miss')
    expect((await callTool(client, 'lookup_code', { code: 'L1' })).status).toBe('hit')
    for (const deadline = Date.now() + 5000; (await countsOf(client))['slow_write'] !== 1 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await statusBecomes(client, 'lookup_code', { code: 'L1' }, 'miss')).toBe('miss')
  })
})

describe('caller-controlled freshness through serve (no config)', () => {
  let upstream: UrlProcess
  let gateway: UrlProcess
  let client: Client
  beforeAll(async () => {
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url])
    client = await connectAs(gateway.url, 'token-fresh')
  })
  afterAll(async () => {
    await client?.close()
    await gateway?.stop()
    await upstream?.stop()
  })

  const count = (text: string) => Number(/call (\d+)/.exec(text)?.[1])

  it('cacheMode "bypass" neither reads nor writes the cache; "refresh" goes upstream and stores what it got', async () => {
    const first = await callTool(client, 'lookup_code', { code: 'F1' })
    expect(first.status).toBe('miss')
    const bypassed = await callTool(client, 'lookup_code', { code: 'F1' }, { 'mcp-cache/cacheMode': 'bypass' })
    expect(bypassed.status).toBe('bypass')
    expect(count(bypassed.text)).toBe(count(first.text) + 1)
    // The bypassed answer was not stored: the cached one is still the first.
    expect(await callTool(client, 'lookup_code', { code: 'F1' })).toMatchObject({ status: 'hit', text: first.text })
    const refreshed = await callTool(client, 'lookup_code', { code: 'F1' }, { 'mcp-cache/cacheMode': 'refresh' })
    expect(refreshed.status).toBe('miss')
    expect(count(refreshed.text)).toBe(count(first.text) + 2)
    expect(await callTool(client, 'lookup_code', { code: 'F1' })).toMatchObject({ status: 'hit', text: refreshed.text })
  })

  it('maxAgeMs takes a hit only if younger, and replaces an older entry', async () => {
    const first = await callTool(client, 'lookup_code', { code: 'F2' })
    expect(await callTool(client, 'lookup_code', { code: 'F2' }, { 'mcp-cache/maxAgeMs': 60_000 })).toMatchObject({ status: 'hit', text: first.text })
    // Wait until the entry is surely older than 1 ms (a condition, not a guess at timing).
    const storedAt = Date.now()
    while (Date.now() - storedAt < 5) await new Promise((resolve) => setTimeout(resolve, 2))
    const younger = await callTool(client, 'lookup_code', { code: 'F2' }, { 'mcp-cache/maxAgeMs': 1 })
    expect(younger.status).toBe('miss')
    expect(count(younger.text)).toBe(count(first.text) + 1)
    expect(await callTool(client, 'lookup_code', { code: 'F2' })).toMatchObject({ status: 'hit', text: younger.text })
  })

  it('refuses a cacheMode or maxAgeMs it does not know, naming the field', async () => {
    await expect(callTool(client, 'lookup_code', { code: 'F3' }, { 'mcp-cache/cacheMode': 'sometimes' })).rejects.toThrow(/mcp-cache\/cacheMode.*"bypass" or "refresh"/)
    await expect(callTool(client, 'lookup_code', { code: 'F3' }, { 'mcp-cache/maxAgeMs': -5 })).rejects.toThrow(/mcp-cache\/maxAgeMs.*milliseconds/)
  })

  it('passes on a result marked cache_hint "no-cache" and never stores it', async () => {
    const first = await callTool(client, 'live_quote', { symbol: 'ACME' })
    const second = await callTool(client, 'live_quote', { symbol: 'ACME' })
    expect(first).toMatchObject({ status: 'miss', text: 'ACME quote 1' })
    expect(second).toMatchObject({ status: 'miss', text: 'ACME quote 2' })
    const raw = await client.callTool({ name: 'live_quote', arguments: { symbol: 'ACME' } })
    expect(raw._meta?.['cache_hint']).toBe('no-cache')
  })

  it('drops nothing after an isError write; drops after a write whose outcome is unknown (cancelled in flight), and after a bypassed write', async () => {
    await callTool(client, 'lookup_code', { code: 'W1' })
    expect((await callTool(client, 'lookup_code', { code: 'W1' })).status).toBe('hit')
    expect((await callTool(client, 'fail_write', {})).text).toMatch(/^write failed/)
    expect((await callTool(client, 'lookup_code', { code: 'W1' })).status).toBe('hit')
    // Cancelled once the upstream runs it: it may write, so the data is dropped as for a success.
    const controller = new AbortController()
    const write = client.callTool({ name: 'slow_write', arguments: {} }, { signal: controller.signal }).catch((error: unknown) => error)
    const started = async () => (await countsOf(client))['slow_write_started'] === 1
    for (const deadline = Date.now() + 5000; !(await started()) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10))
    controller.abort()
    expect(await write).toBeInstanceOf(Error)
    expect(await statusBecomes(client, 'lookup_code', { code: 'W1' }, 'miss')).toBe('miss')
    expect((await callTool(client, 'lookup_code', { code: 'W1' })).status).toBe('hit')
    // cacheMode "bypass" skips the cache, not the invalidation.
    await callTool(client, 'update_record', { id: 'w1', text: 'x' }, { 'mcp-cache/cacheMode': 'bypass' })
    expect((await callTool(client, 'lookup_code', { code: 'W1' })).status).toBe('miss')
  })

  it('takes cacheMode on reads too: "refresh" reads the resource again and stores it', async () => {
    const read = async (meta?: Record<string, unknown>) => {
      const result = await client.readResource({ uri: 'notes://main', ...(meta === undefined ? {} : { _meta: meta }) }, { cacheMode: 'refresh' })
      return { text: (result.contents[0] as { text: string }).text, status: result._meta?.['mcp-cache/status'] }
    }
    const first = await read()
    expect((await read()).text).toBe(first.text)
    const refreshed = await read({ 'mcp-cache/cacheMode': 'refresh' })
    expect(refreshed).toMatchObject({ status: 'miss' })
    expect(refreshed.text).not.toBe(first.text)
    expect(await read()).toStrictEqual({ text: refreshed.text, status: 'hit' })
  })

  it('shapes a cached list or read for the era of the request it answers', async () => {
    const auth = { authorization: 'Bearer token-era' }
    const session = await openSession(gateway.url, auth)
    const modern = { ...auth, ...STATELESS_HEADERS }
    const resultOf = (answer: { messages: Array<Record<string, unknown>> }) => answer.messages[0]?.['result'] as Record<string, unknown> & { _meta: Record<string, unknown> }
    // Stored by a 2025-11-25 session, served to a 2026-07-28 request: it gains resultType, which v2 clients require.
    const legacyMiss = resultOf(await rawPost(gateway.url, { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'notes://main' } }, session))
    expect(legacyMiss._meta['mcp-cache/status']).toBe('miss')
    expect(legacyMiss['resultType']).toBeUndefined()
    const modernHit = resultOf(await rawPost(gateway.url, { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'notes://main', _meta: MODERN_META } }, modern))
    expect(modernHit).toMatchObject({ resultType: 'complete', contents: legacyMiss['contents'], _meta: { 'mcp-cache/status': 'hit' } })
    // And the other way: a 2026-07-28 entry (the server lets tools/list be shared for a minute) loses it for a 2025-11-25 session.
    const modernMiss = resultOf(await rawPost(gateway.url, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: MODERN_META } }, modern))
    expect(modernMiss).toMatchObject({ resultType: 'complete', _meta: { 'mcp-cache/status': 'miss' } })
    const legacyHit = resultOf(await rawPost(gateway.url, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: {} }, session))
    expect(legacyHit._meta['mcp-cache/status']).toBe('hit')
    expect(legacyHit['resultType']).toBeUndefined()
  })
})
