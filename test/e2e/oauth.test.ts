/**
 * OAuth through `serve`: the official SDK client authorizes against a real
 * authorization server (oidc-provider) for a server it reaches only through
 * the gateway, then gets hits; a credential the upstream refuses never gets a
 * cached answer, however shared the entry.
 */
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MCP_SCOPE, startAuthorizationServer, startProtectedServer, TestOAuthClient, type AuthorizationServer, type ProtectedServer } from '../helpers/oauth.js'
import { CLI, COUNTING_SERVER, writeConfig } from '../helpers/proxy-client.js'
import { MODERN_META, openSession, rawPost, STATELESS_HEADERS, toolCall } from '../helpers/raw-http.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

type ToolAnswer = { content: Array<{ text: string }>; _meta?: Record<string, unknown> }
const answerOf = (result: unknown) => ({ text: (result as ToolAnswer).content[0]?.text, status: (result as ToolAnswer)._meta?.['mcp-cache/status'] })
const INITIALIZE = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }

describe('serve in front of an OAuth-protected server', () => {
  let authorization: AuthorizationServer
  let upstream: ProtectedServer
  let gateway: UrlProcess
  const clients: Client[] = []
  beforeAll(async () => {
    authorization = await startAuthorizationServer()
    upstream = await startProtectedServer(authorization.issuer)
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--config', writeConfig({ tools: { lookup_code: { scope: 'shared' } } })])
    // Tokens are issued for the resource the client was told: the gateway's URL (from its listen address).
    upstream.audience = gateway.url
  })
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()))
    await gateway?.stop()
    await upstream?.stop()
    await authorization?.stop()
  })

  /** Connects the SDK client as `user`, as an application would: 401, authorization in the browser, finishAuth, connect again. */
  async function connectAs(user: string): Promise<{ client: Client; oauth: TestOAuthClient }> {
    authorization.user = user
    const oauth = new TestOAuthClient()
    const first = new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: oauth })
    await expect(new Client({ name: 'oauth-test', version: '1.0.0' }).connect(first)).rejects.toThrow(UnauthorizedError)
    expect(oauth.callback?.searchParams.get('code')).toBeTruthy()
    await first.finishAuth((oauth.callback as URL).searchParams)
    const client = new Client({ name: 'oauth-test', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: oauth }))
    clients.push(client)
    return { client, oauth }
  }

  it('lets the SDK client authorize through the gateway, then answers its repeats from the cache', async () => {
    const { client, oauth } = await connectAs('alice')
    // The token names the gateway as its audience: the client was told the gateway is the resource.
    expect(decodeJwt((await oauth.tokens())?.access_token as string)).toMatchObject({ sub: 'alice', aud: gateway.url, iss: authorization.issuer })
    expect(answerOf(await client.callTool({ name: 'whoami', arguments: { n: 1 } }))).toStrictEqual({ text: '1 for alice', status: 'miss' })
    expect(answerOf(await client.callTool({ name: 'whoami', arguments: { n: 1 } }))).toStrictEqual({ text: '1 for alice', status: 'hit' })
    expect(upstream.calls.filter((call) => call === 'whoami:alice')).toHaveLength(1)
    // Another user authorizes on their own and never gets alice's entry.
    const { client: bob } = await connectAs('bob')
    expect(answerOf(await bob.callTool({ name: 'whoami', arguments: { n: 1 } }))).toStrictEqual({ text: '1 for bob', status: 'miss' })
  })

  it('passes the upstream\u2019s 401 on with its challenge pointing at the gateway, whose metadata names the gateway as the resource', async () => {
    const metadataUrl = `${new URL(gateway.url).origin}/.well-known/oauth-protected-resource/mcp`
    for (const [body, headers] of [
      [INITIALIZE, {}],
      [toolCall(1, 'lookup_code', { code: 'X' }, MODERN_META), STATELESS_HEADERS],
      [INITIALIZE, { authorization: 'Bearer forged' }],
    ] as const) {
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) })
      expect(response.status).toBe(401)
      expect(response.headers.get('mcp-session-id')).toBeNull()
      expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${metadataUrl}"`)
      expect(response.headers.get('www-authenticate')).toContain(`scope="${MCP_SCOPE}"`)
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/refused the credentials \(HTTP 401\)/)
    }
    for (const url of [metadataUrl, `${new URL(gateway.url).origin}/.well-known/oauth-protected-resource`]) {
      const response = await fetch(url)
      expect(response.status).toBe(200)
      expect(await response.json()).toStrictEqual({ resource: gateway.url, authorization_servers: [authorization.issuer], scopes_supported: [MCP_SCOPE], bearer_methods_supported: ['header'] })
    }
  })

  it('never answers a refused or unproven credential from the cache, shared entries included', async () => {
    const { client } = await connectAs('carol')
    expect(answerOf(await client.callTool({ name: 'lookup_code', arguments: { code: 'S1' } }))).toMatchObject({ status: 'miss' })
    expect(answerOf(await client.callTool({ name: 'lookup_code', arguments: { code: 'S1' } }))).toMatchObject({ status: 'hit' })
    const refused: Array<Record<string, string>> = [{ authorization: 'Bearer forged' }, { authorization: `Bearer ${'x'.repeat(40)}` }, {}]
    for (const credentials of refused) {
      // Stateless, where the JSON fast path answers hits; and in a session.
      const stateless = await rawPost(gateway.url, toolCall(2, 'lookup_code', { code: 'S1' }, MODERN_META), { ...credentials, ...STATELESS_HEADERS })
      expect(stateless.status).toBe(401)
      expect(stateless.text).not.toContain('S1: call')
      expect((await rawPost(gateway.url, INITIALIZE, credentials)).status).toBe(401)
    }
    // Another user shares the entry once the upstream has accepted their token for that tool.
    const { client: dave } = await connectAs('dave')
    expect(answerOf(await dave.callTool({ name: 'lookup_code', arguments: { code: 'S1' } }))).toMatchObject({ status: 'miss' })
    expect(answerOf(await dave.callTool({ name: 'lookup_code', arguments: { code: 'S1' } }))).toMatchObject({ status: 'hit' })
    expect(upstream.calls.filter((call) => call === 'lookup_code:S1')).toHaveLength(2)
  })

  it('never answers a refused credential with a shared read the upstream marked public', async () => {
    const { oauth } = await connectAs('erin')
    const read = (id: number, headers: Record<string, string>) => rawPost(gateway.url, { jsonrpc: '2.0', id, method: 'resources/read', params: { uri: 'notes://shared', _meta: MODERN_META } }, { ...headers, ...STATELESS_HEADERS })
    const erin = { authorization: `Bearer ${(await oauth.tokens())?.access_token as string}` }
    const status = (answer: Awaited<ReturnType<typeof read>>) => (answer.messages[0]?.['result'] as { _meta?: Record<string, unknown> } | undefined)?._meta?.['mcp-cache/status']
    expect(status(await read(1, erin))).toBe('miss')
    expect(status(await read(2, erin))).toBe('hit')
    for (const credentials of [{ authorization: 'Bearer forged' }, {}] as Array<Record<string, string>>) {
      const refused = await read(3, credentials)
      expect(refused.status).toBe(401)
      expect(refused.text).not.toContain('shared notes')
    }
    expect(upstream.calls.filter((call) => call === 'read:notes')).toHaveLength(1)
  })
})

describe('serve in front of a server that checks tokens per method (discovery open, tools not)', () => {
  let authorization: AuthorizationServer
  let upstream: ProtectedServer
  let gateway: UrlProcess
  let token: string
  beforeAll(async () => {
    authorization = await startAuthorizationServer()
    upstream = await startProtectedServer(authorization.issuer, { openMethods: ['initialize', 'notifications/initialized', 'tools/list'] })
    const config = writeConfig({ tools: { lookup_code: { scope: 'shared' } } })
    // Callers named by a header of a proxy in front: a session survives a change of token.
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--config', config, '--principal-header', 'x-user'])
    upstream.audience = gateway.url
    // A token for this gateway, through the first leg of the flow (its 401 comes on tools/call here).
    const oauth = new TestOAuthClient()
    const client = new Client({ name: 'oauth-test', version: '1.0.0' })
    const transport = new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: oauth })
    await client.connect(transport)
    await expect(client.callTool({ name: 'lookup_code', arguments: { code: 'P0' } })).rejects.toThrow(UnauthorizedError)
    await transport.finishAuth((oauth.callback as URL).searchParams)
    await client.close()
    token = (await oauth.tokens())?.access_token as string
  })
  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
    await authorization?.stop()
  })

  it('does not take a credential’s open tools/list as leave to read cached tool results', async () => {
    const call = (id: number, headers: Record<string, string>) => rawPost(gateway.url, toolCall(id, 'lookup_code', { code: 'P1' }, MODERN_META), { ...headers, ...STATELESS_HEADERS })
    const status = (answer: Awaited<ReturnType<typeof call>>) => (answer.messages[0]?.['result'] as ToolAnswer | undefined)?._meta?.['mcp-cache/status']
    expect(status(await call(1, { authorization: `Bearer ${token}` }))).toBe('miss')
    expect(status(await call(2, { authorization: `Bearer ${token}` }))).toBe('hit')
    // The forged token's tools/list is answered (discovery is open): its call still goes upstream, and is refused.
    const forged = await call(3, { authorization: 'Bearer forged' })
    expect(forged.status).toBe(401)
    expect(forged.text).not.toContain('P1: call')
  })

  it('does not let another token in a session read what the session’s first token was served', async () => {
    const session = await openSession(gateway.url, { 'x-user': 'alice', authorization: `Bearer ${token}` })
    const call = (id: number, authorization: string) => rawPost(gateway.url, toolCall(id, 'lookup_code', { code: 'P2' }), { ...session, authorization })
    expect((await call(1, `Bearer ${token}`)).messages[0]).toMatchObject({ result: { _meta: { 'mcp-cache/status': 'miss' } } })
    expect((await call(2, `Bearer ${token}`)).messages[0]).toMatchObject({ result: { _meta: { 'mcp-cache/status': 'hit' } } })
    // Same user by the header, a token the upstream refuses: the session's tools are known, the hit is there, and it is not served.
    const forged = await call(3, 'Bearer forged')
    expect(forged.status).toBe(401)
    expect(forged.text).not.toContain('P2: call')
    expect(upstream.calls.filter((call) => call === 'lookup_code:P2')).toHaveLength(1)
  })
})

describe('serve: an accepted credential is trusted for --accepted-credential-ttl', () => {
  let upstream: UrlProcess
  let gateway: UrlProcess
  beforeAll(async () => {
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--accepted-credential-ttl', '300ms'])
  })
  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
  })

  it('asks the upstream again once the credential\u2019s acceptance is older than the TTL', async () => {
    const session = await openSession(gateway.url, { authorization: 'Bearer ttl-user' })
    const status = async (id: number) => ((await rawPost(gateway.url, toolCall(id, 'lookup_code', { code: 'TTL' }), session)).messages[0]?.['result'] as ToolAnswer)._meta?.['mcp-cache/status']
    expect(await status(1)).toBe('miss')
    expect(await status(2)).toBe('hit')
    // Past 300 ms without an upstream answer, the next call goes upstream again (and vouches anew).
    const deadline = Date.now() + 10_000
    let revalidated = false
    for (let id = 3; !revalidated && Date.now() < deadline; id++) revalidated = (await status(id)) === 'miss'
    expect(revalidated).toBe(true)
    expect(await status(1000)).toBe('hit')
  })
})
