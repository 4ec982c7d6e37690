/**
 * The SDK middleware inside a real SDK v2 McpServer, called by a real SDK
 * Client over the SDK's linked in-memory transports, as two users and anonymously.
 */
import { Client } from '@modelcontextprotocol/client'
import { InMemoryTransport, McpServer, type CallToolResult } from '@modelcontextprotocol/server'
import { afterEach, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { createCache } from '../../src/cache/create-cache.js'
import type { Cache } from '../../src/cache/cache.js'
import { cacheHint, withCacheHint } from '../../src/mcp/middleware/cache-hint.js'
import { shortHash } from '../../src/keys/content-hash.js'
import { createToolCache } from '../../src/mcp/middleware/tool-cache.js'

/** A server whose tools count their real runs and say whom they answered. */
function recordsServer(cache: Cache, records: Map<string, string>) {
  const runs = { lookup: 0, record: 0, flaky: 0, quote: 0 }
  const tools = createToolCache(cache)
  const server = new McpServer({ name: 'records', version: '1.0.0' })
  const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] })
  server.registerTool(
    'lookup_code',
    { inputSchema: z.object({ code: z.string(), traceId: z.string().optional() }) },
    tools.cached('lookup_code', { scope: 'shared', ttl: '1h', keyArgs: ['code'] }, async ({ code }: { code: string; traceId?: string }) => {
      runs.lookup++
      return text(`code ${code}`)
    }),
  )
  server.registerTool(
    'get_record',
    { inputSchema: z.object({ id: z.string() }) },
    tools.cached('get_record', { ttl: '10m', tags: ({ id }) => [`record:${id}`] }, async ({ id }: { id: string }, ctx) => {
      runs.record++
      const who = (ctx as { http?: { authInfo?: { extra?: { sub?: string } } } }).http?.authInfo?.extra?.sub ?? 'anonymous'
      return text(`${records.get(id)} for ${who}`)
    }),
  )
  server.registerTool(
    'update_record',
    { inputSchema: z.object({ id: z.string(), value: z.string() }) },
    tools.invalidating({ tools: ['get_record'] }, async ({ id, value }: { id: string; value: string }) => {
      records.set(id, value)
      return text('updated')
    }),
  )
  server.registerTool(
    'annotate_record',
    { inputSchema: z.object({ id: z.string(), note: z.string() }) },
    tools.invalidating({ tags: ({ id }: { id: string }) => [`record:${id}`] }, async ({ id, note }: { id: string; note: string }) => {
      records.set(id, `${records.get(id)} (${note})`)
      return text('annotated')
    }),
  )
  server.registerTool(
    'flaky',
    { inputSchema: z.object({}) },
    tools.cached('flaky', { scope: 'shared' }, async (): Promise<CallToolResult> => {
      runs.flaky++
      return runs.flaky === 1 ? { isError: true, content: [{ type: 'text', text: 'try again' }] } : text('fine')
    }),
  )
  server.registerTool(
    'quote',
    { inputSchema: z.object({}) },
    tools.cached('quote', { scope: 'shared' }, async (): Promise<CallToolResult> => ({ ...text(`quote ${++runs.quote}`), _meta: { cache_hint: 'no-cache' } })),
  )
  server.registerResource('formulary', 'formulary://current', { mimeType: 'text/plain', cacheHint: cacheHint('10m', 'public') }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'aspirin, ibuprofen' }],
  }))
  return { server, runs }
}

/** A client whose every message carries `authInfo`, as an authenticating HTTP transport would hand it to the server. */
async function connect(server: McpServer, auth?: { token: string; sub?: string }): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  if (auth !== undefined) {
    const send = clientSide.send.bind(clientSide)
    const authInfo = { token: auth.token, clientId: 'shared-app', scopes: [], ...(auth.sub === undefined ? {} : { extra: { sub: auth.sub } }) }
    clientSide.send = (message, options) => send(message, { ...options, authInfo })
  }
  await server.connect(serverSide)
  const client = new Client({ name: 'middleware-test', version: '1.0.0' })
  await client.connect(clientSide)
  return client
}

const call = async (client: Client, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) => {
  const result = (await client.callTool({ name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) })) as CallToolResult
  const first = result.content[0]
  return { text: first?.type === 'text' ? first.text : '', status: result._meta?.['mcp-cache/status'], isError: result.isError === true }
}

describe('SDK middleware', () => {
  const clients: Client[] = []
  let cache: Cache
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close()
    await cache?.close()
  })

  // One server per client (an McpServer serves one transport); the cache and the records are what they share.
  async function setup(...auths: Array<{ token: string; sub?: string } | undefined>) {
    cache = createCache({ logger: false })
    const records = new Map([['r1', 'original']])
    const made = auths.map((auth) => ({ auth, ...recordsServer(cache, records) }))
    const connected = await Promise.all(made.map(({ server, auth }) => connect(server, auth)))
    clients.push(...connected)
    return { clients: connected, runs: made.map((m) => m.runs) }
  }

  it('caches a shared tool by its key arguments only, and marks hits', async () => {
    const { clients: [client], runs: [runs] } = await setup({ token: 'token-a', sub: 'alice' })
    expect(await call(client!, 'lookup_code', { code: 'E11.9', traceId: 't1' })).toMatchObject({ text: 'code E11.9', status: 'miss' })
    expect(await call(client!, 'lookup_code', { code: 'E11.9', traceId: 't2' })).toMatchObject({ text: 'code E11.9', status: 'hit' })
    expect(await call(client!, 'lookup_code', { code: 'I10' })).toMatchObject({ status: 'miss' })
    expect(runs?.lookup).toBe(2)
  })

  it("keeps each user's entries their own, and bypasses the cache for anonymous calls", async () => {
    const { clients: [alice, bob, anonymous], runs } = await setup({ token: 'token-a', sub: 'alice' }, { token: 'token-b', sub: 'bob' }, undefined)
    expect(await call(alice!, 'get_record', { id: 'r1' })).toMatchObject({ text: 'original for alice', status: 'miss' })
    expect(await call(alice!, 'get_record', { id: 'r1' })).toMatchObject({ text: 'original for alice', status: 'hit' })
    expect(await call(bob!, 'get_record', { id: 'r1' })).toMatchObject({ text: 'original for bob', status: 'miss' })
    expect(await call(anonymous!, 'get_record', { id: 'r1' })).toMatchObject({ text: 'original for anonymous', status: 'bypass' })
    expect(await call(anonymous!, 'get_record', { id: 'r1' })).toMatchObject({ status: 'bypass' })
    expect(runs.map((r) => r.record)).toStrictEqual([1, 1, 2])
  })

  it('never puts a bearer token in a key: without a subject the principal is its hash', async () => {
    const { clients: [client] } = await setup({ token: 'secret-bearer-token-123' })
    expect(await call(client!, 'get_record', { id: 'r1' })).toMatchObject({ status: 'miss' })
    expect(await call(client!, 'get_record', { id: 'r1' })).toMatchObject({ status: 'hit' })
    const keys: string[] = []
    for await (const batch of cache.keys('*')) keys.push(...batch)
    // The entry, and the generation its key carries (shared by every principal).
    const entries = keys.filter((key) => !key.includes('~gen:'))
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatch(/^~n\.tools:~u\.tok\.[\w-]{22}:tool:get_record:/)
    expect(keys.filter((key) => key.includes('~gen:')).sort()).toStrictEqual([`~n.tools:~gen:tag%3A${shortHash('record:r1')}`, '~n.tools:~gen:tool%3Aget_record'])
    expect(keys.join()).not.toContain('secret-bearer-token-123')
  })

  it("drops every user's entries of the tools a write names", async () => {
    const { clients: [alice, bob], runs } = await setup({ token: 'token-a', sub: 'alice' }, { token: 'token-b', sub: 'bob' })
    await call(alice!, 'get_record', { id: 'r1' })
    await call(bob!, 'get_record', { id: 'r1' })
    expect(await call(alice!, 'update_record', { id: 'r1', value: 'changed' })).toMatchObject({ text: 'updated' })
    expect(await call(bob!, 'get_record', { id: 'r1' })).toMatchObject({ text: 'changed for bob', status: 'miss' })
    expect(await call(alice!, 'get_record', { id: 'r1' })).toMatchObject({ text: 'changed for alice', status: 'miss' })
    expect(runs.map((r) => r.record)).toStrictEqual([2, 2])
    expect(cache.recentInvalidations()[0]).toMatchObject({ kind: 'generations', target: 'tool:get_record', reason: 'after a write tool' })
  })

  it('takes cacheMode and maxAgeMs from the request, and never stores a result marked no-cache', async () => {
    const { clients: [client], runs: [runs] } = await setup({ token: 'token-a', sub: 'alice' })
    expect(await call(client!, 'lookup_code', { code: 'E1' })).toMatchObject({ status: 'miss' })
    expect(await call(client!, 'lookup_code', { code: 'E1' }, { 'mcp-cache/cacheMode': 'bypass' })).toMatchObject({ status: 'bypass' })
    expect(await call(client!, 'lookup_code', { code: 'E1' })).toMatchObject({ status: 'hit' })
    expect(await call(client!, 'lookup_code', { code: 'E1' }, { 'mcp-cache/cacheMode': 'refresh' })).toMatchObject({ status: 'miss' })
    expect(await call(client!, 'lookup_code', { code: 'E1' }, { 'mcp-cache/maxAgeMs': 60_000 })).toMatchObject({ status: 'hit' })
    // Once a millisecond has passed, the entry is older than 0 ms.
    const refreshedBy = Date.now()
    while (Date.now() - refreshedBy < 2) await new Promise((resolve) => setTimeout(resolve, 1))
    expect(await call(client!, 'lookup_code', { code: 'E1' }, { 'mcp-cache/maxAgeMs': 0 })).toMatchObject({ status: 'miss' })
    expect(runs?.lookup).toBe(4)
    expect(await call(client!, 'quote', {})).toMatchObject({ text: 'quote 1', status: 'miss' })
    expect(await call(client!, 'quote', {})).toMatchObject({ text: 'quote 2', status: 'miss' })
  })

  it("drops every user's entries of a tag a write names, and only those", async () => {
    const { clients: [alice, bob] } = await setup({ token: 'token-a', sub: 'alice' }, { token: 'token-b', sub: 'bob' })
    for (const id of ['r1', 'r2']) {
      await call(alice!, 'get_record', { id })
      expect((await call(bob!, 'get_record', { id })).status).toBe('miss')
      expect((await call(bob!, 'get_record', { id })).status).toBe('hit')
    }
    await call(alice!, 'annotate_record', { id: 'r1', note: 'seen' })
    expect(await call(bob!, 'get_record', { id: 'r1' })).toMatchObject({ status: 'miss', text: 'original (seen) for bob' })
    expect(await call(alice!, 'get_record', { id: 'r1' })).toMatchObject({ status: 'miss', text: 'original (seen) for alice' })
    expect((await call(bob!, 'get_record', { id: 'r2' })).status).toBe('hit')
  })

  it('does not store an error result', async () => {
    const { clients: [client], runs: [runs] } = await setup({ token: 'token-a', sub: 'alice' })
    expect(await call(client!, 'flaky', {})).toMatchObject({ isError: true, status: 'miss' })
    expect(await call(client!, 'flaky', {})).toMatchObject({ text: 'fine', status: 'miss' })
    expect(await call(client!, 'flaky', {})).toMatchObject({ text: 'fine', status: 'hit' })
    expect(runs?.flaky).toBe(2)
  })

  it('builds spec cache hints (the SDK takes them in registerResource) and stamps results built by hand', async () => {
    // recordsServer registers a resource with cacheHint('10m', 'public'): the SDK's own type accepts it.
    expect(cacheHint('10m', 'public')).toStrictEqual({ ttlMs: 600_000, cacheScope: 'public' })
    expect(withCacheHint({ tools: [] }, cacheHint('30s'))).toStrictEqual({ tools: [], ttlMs: 30_000, cacheScope: 'private' })
    expect(() => cacheHint('soon')).toThrow(/ttl/)
  })
})

describe('SDK middleware on SDK 1.x', () => {
  it('reads the principal from extra.authInfo and keeps users apart', async () => {
    const { McpServer: McpServerV1 } = await import('@modelcontextprotocol/sdk/server/mcp.js')
    const { InMemoryTransport: InMemoryTransportV1 } = await import('@modelcontextprotocol/sdk/inMemory.js')
    const { Client: ClientV1 } = await import('@modelcontextprotocol/sdk/client/index.js')
    const cache = createCache({ logger: false })
    const tools = createToolCache(cache)
    let runs = 0
    const connectAs = async (sub: string) => {
      const server = new McpServerV1({ name: 'v1', version: '1.0.0' })
      server.registerTool(
        'whoami',
        { inputSchema: { id: z.string() } },
        tools.cached('whoami', { ttl: '1m' }, async ({ id }: { id: string }, extra) => {
          runs++
          const who = (extra as { authInfo?: { extra?: { sub?: string } } }).authInfo?.extra?.sub
          return { content: [{ type: 'text' as const, text: `${id} for ${who}` }] }
        }),
      )
      const [clientSide, serverSide] = InMemoryTransportV1.createLinkedPair()
      const send = clientSide.send.bind(clientSide)
      clientSide.send = (message, options) => send(message, { ...options, authInfo: { token: `token-${sub}`, clientId: 'app', scopes: [], extra: { sub } } })
      await server.connect(serverSide)
      const client = new ClientV1({ name: 'v1-client', version: '1.0.0' })
      await client.connect(clientSide)
      return client
    }
    const [alice, bob] = [await connectAs('alice'), await connectAs('bob')]
    const ask = async (client: typeof alice) => {
      const result = (await client.callTool({ name: 'whoami', arguments: { id: 'r1' } })) as { content: Array<{ text: string }>; _meta?: Record<string, unknown> }
      return `${result.content[0]?.text} (${String(result._meta?.['mcp-cache/status'])})`
    }
    expect(await ask(alice)).toBe('r1 for alice (miss)')
    expect(await ask(alice)).toBe('r1 for alice (hit)')
    expect(await ask(bob)).toBe('r1 for bob (miss)')
    expect(runs).toBe(2)
    await alice.close()
    await bob.close()
    await cache.close()
  })
})
