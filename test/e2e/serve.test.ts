/**
 * `mcp-cache serve` over Streamable HTTP with the official v2 client: in front
 * of a stdio server (one child per session) and of an HTTP server, with
 * principals from bearer tokens.
 */
import { request as httpRequest } from 'node:http'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER, writeConfig } from '../helpers/proxy-client.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

async function connect(url: string, token?: string, era: 'legacy' | '2026' = 'legacy'): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } })
  const versionNegotiation = { mode: era === 'legacy' ? ('legacy' as const) : { pin: '2026-07-28' } }
  const client = new Client({ name: 'serve-test', version: '1.0.0' }, { capabilities: {}, versionNegotiation })
  await client.connect(transport)
  return client
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args })
  const text = (result.content as Array<{ text?: string }>).map((item) => item.text ?? '').join('')
  return { text, status: result._meta?.['mcp-cache/status'] }
}

const ACCEPT_BOTH = 'application/json, text/event-stream'

/** One raw POST to the gateway; the JSON-RPC answer is read from a JSON body or an event stream alike. */
async function post(url: string, headers: Record<string, string>, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers }, body: JSON.stringify(body) })
  const text = await response.text()
  const json = response.headers.get('content-type')?.startsWith('text/event-stream') ? text.split('\n').find((line) => line.startsWith('data: {'))?.slice(6) : text
  return { status: response.status, type: response.headers.get('content-type'), session: response.headers.get('mcp-session-id'), message: JSON.parse(json || 'null') as { result?: { content: Array<{ text: string }>; _meta?: Record<string, unknown> } } }
}

const lookup = (id: number, code: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'lookup_code', arguments: { code } } })

const config = writeConfig({ tools: { get_record: { scope: 'shared' } } })

describe('serve in front of a stdio server', () => {
  let gateway: UrlProcess
  beforeAll(async () => {
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--config', config, '--', process.execPath, COUNTING_SERVER])
  })
  afterAll(async () => {
    await gateway.stop()
  })

  it('caches per principal: a token never sees another token’s user-scoped results', async () => {
    const alice = await connect(gateway.url, 'token-alice')
    const bob = await connect(gateway.url, 'token-bob')
    expect(await call(alice, 'lookup_code', { code: 'X1' })).toMatchObject({ status: 'miss', text: 'X1: call 1' })
    expect(await call(alice, 'lookup_code', { code: 'X1' })).toMatchObject({ status: 'hit', text: 'X1: call 1' })
    // Bob's session has its own upstream child, whose counter starts at 1 again.
    expect(await call(bob, 'lookup_code', { code: 'X1' })).toMatchObject({ status: 'miss', text: 'X1: call 1' })
    const alice2 = await connect(gateway.url, 'token-alice')
    expect(await call(alice2, 'lookup_code', { code: 'X1' })).toMatchObject({ status: 'hit' })
    await Promise.all([alice.close(), bob.close(), alice2.close()])
  })

  it('shares a shared-scope tool across principals and sessions', async () => {
    const a = await connect(gateway.url, 'token-a')
    const b = await connect(gateway.url, 'token-b')
    expect(await call(a, 'get_record', { id: 'r1' })).toMatchObject({ status: 'miss' })
    expect(await call(b, 'get_record', { id: 'r1' })).toMatchObject({ status: 'hit' })
    await Promise.all([a.close(), b.close()])
  })

  it('serves stateless 2026-07-28 clients, per principal, with progress', async () => {
    const carol = await connect(gateway.url, 'token-carol', '2026')
    const dave = await connect(gateway.url, 'token-dave', '2026')
    expect(carol.getNegotiatedProtocolVersion()).toBe('2026-07-28')
    expect(await call(carol, 'lookup_code', { code: 'S1' })).toMatchObject({ status: 'miss', text: 'S1: call 1' })
    expect(await call(carol, 'lookup_code', { code: 'S1' })).toMatchObject({ status: 'hit', text: 'S1: call 1' })
    expect(await call(dave, 'lookup_code', { code: 'S1' })).toMatchObject({ status: 'miss' })
    const progress: number[] = []
    await carol.callTool({ name: 'slow_lookup', arguments: { q: 'stateless' } }, { onprogress: (event) => progress.push(event.progress) })
    expect(progress).toStrictEqual([1, 2, 3])
    await Promise.all([carol.close(), dave.close()])
  })

  it('answers a hit as one JSON body, a miss as an event stream, and keeps the transport’s checks', async () => {
    const auth = { authorization: 'Bearer token-json' }
    const init = await post(gateway.url, auth, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })
    const headers = { ...auth, 'mcp-session-id': init.session ?? '', 'mcp-protocol-version': '2025-11-25' }
    expect(init.session).toMatch(/./)
    await post(gateway.url, headers, { jsonrpc: '2.0', method: 'notifications/initialized' })
    const miss = await post(gateway.url, headers, lookup(1, 'J1'))
    expect(miss).toMatchObject({ status: 200, type: 'text/event-stream' })
    expect(miss.message.result?._meta?.['mcp-cache/status']).toBe('miss')
    const hit = await post(gateway.url, headers, lookup('two' as unknown as number, 'J1'))
    expect(hit).toMatchObject({ status: 200, type: 'application/json', session: init.session, message: { jsonrpc: '2.0', id: 'two' } })
    expect(hit.message.result?.content[0]?.text).toBe(miss.message.result?.content[0]?.text)
    expect(hit.message.result?._meta?.['mcp-cache/status']).toBe('hit')
    // Requests the transport would refuse are refused on a hit too.
    expect((await post(gateway.url, { ...headers, accept: 'application/json' }, lookup(3, 'J1'))).status).toBe(406)
    expect((await post(gateway.url, { ...headers, 'mcp-protocol-version': '1999-01-01' }, lookup(4, 'J1'))).status).toBe(400)
    // Another caller's credentials do not reach the session (unknown to them, so a client starts its own).
    expect((await post(gateway.url, { ...headers, authorization: 'Bearer token-other' }, lookup(5, 'J1'))).status).toBe(404)
    // A stateless (2026-07-28) request of the same principal shares its upstream and cache: a JSON hit, no session header.
    const stateless = await post(gateway.url, { ...auth, 'mcp-protocol-version': '2026-07-28' }, lookup(6, 'J1'))
    expect(stateless).toMatchObject({ status: 200, type: 'application/json', session: null })
    expect(stateless.message.result?._meta?.['mcp-cache/status']).toBe('hit')
  })

  it('refuses a foreign Host header (DNS rebinding) and a GET without a session', async () => {
    // fetch drops a custom Host header; node:http sends it as given.
    const rebindingStatus = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(gateway.url, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } }, (res) => {
        res.resume()
        resolve(res.statusCode)
      })
      request.once('error', reject)
      request.end('{}')
    })
    expect(rebindingStatus).toBe(403)
    const noSession = await fetch(gateway.url, { headers: { accept: 'text/event-stream' } })
    expect(noSession.status).toBe(405)
    expect(((await noSession.json()) as { error: { message: string } }).error.message).toMatch(/only POST/)
  })
})

describe('serve in front of a Streamable HTTP server', () => {
  let upstream: UrlProcess
  let gateway: UrlProcess
  beforeAll(async () => {
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url])
  })
  afterAll(async () => {
    await gateway.stop()
    await upstream.stop()
  })

  it('answers repeats from the cache and passes the caller’s token upstream', async () => {
    const client = await connect(gateway.url, 'secret-token-1')
    expect(await call(client, 'lookup_code', { code: 'H1' })).toMatchObject({ status: 'miss', text: 'H1: call 1' })
    expect(await call(client, 'lookup_code', { code: 'H1' })).toMatchObject({ status: 'hit', text: 'H1: call 1' })
    const counts = JSON.parse((await call(client, 'upstream_counts')).text) as Record<string, number>
    expect(counts['lookup_code']).toBe(1)
    expect(counts['auth:Bearer secret-token-1']).toBe(1)
    await client.close()
  })

  it('serves no entry across tokens in 10,000 randomized calls (the upstream names the token it saw)', async () => {
    const tokens = ['token-red', 'token-blue'] as const
    const clients = { 'token-red': await connect(gateway.url, 'token-red'), 'token-blue': await connect(gateway.url, 'token-blue', '2026') }
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    let crossHits = 0
    let hits = 0
    const worker = async (calls: number) => {
      for (let i = 0; i < calls; i++) {
        const token = tokens[random() < 0.5 ? 0 : 1]
        const n = Math.floor(random() * 50)
        const result = await call(clients[token], 'whoami', { n })
        if (result.status === 'hit') hits++
        if (result.text !== `${n} for ${token}`) crossHits++
      }
    }
    await Promise.all(Array.from({ length: 8 }, () => worker(1250)))
    expect(crossHits).toBe(0)
    expect(hits).toBeGreaterThan(9500)
    await Promise.all(Object.values(clients).map((client) => client.close()))
  }, 120_000)
})

describe('serve in front of a stdio server that crashes at start', () => {
  let gateway: UrlProcess
  beforeAll(async () => {
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, '-e', 'process.exit(3)'])
  })
  afterAll(async () => {
    await gateway.stop()
  })

  it('answers with errors that name the upstream, backs off restarts, and keeps serving', async () => {
    const statuses: number[] = []
    const messages: string[] = []
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      })
      statuses.push(response.status)
      messages.push(await response.text())
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(messages.join('\n')).toMatch(/upstream stdio:.*(exited with code 3|keeps crashing)/)
    expect(statuses).toContain(503)
    expect(gateway.child.exitCode).toBeNull()
  })
})

describe('serve shutting down', () => {
  it('finishes calls in flight on SIGTERM, refuses new ones, and exits 0', async () => {
    const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, COUNTING_SERVER])
    const client = await connect(gateway.url, 'token-late')
    const slow = call(client, 'slow_lookup', { q: 'in flight' })
    await new Promise((resolve) => setTimeout(resolve, 80))
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)))
    gateway.child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const late = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'late', version: '1' } } }),
    }).then((response) => response.status, () => 'refused')
    expect([503, 'refused']).toContain(late)
    expect(await slow).toMatchObject({ text: 'in flight: slow call 1' })
    expect(await exited).toBe(0)
  })
})
