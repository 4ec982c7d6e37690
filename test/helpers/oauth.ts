/**
 * A real OAuth setup for gateway tests: an authorization server (oidc-provider,
 * a certified OpenID provider) issuing JWT access tokens for the resource a
 * client names, an MCP server that accepts only those tokens (checked with
 * jose, as a real resource server does), and an OAuth client provider for the
 * official SDK client whose "browser" is a fetch loop that logs a chosen user in.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { OAuthClientProvider, OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client'
import { toNodeHandler } from '@modelcontextprotocol/node'
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server'
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import Provider from 'oidc-provider'
import * as z from 'zod/v4'

/** The scope the protected server asks for. */
export const MCP_SCOPE = 'mcp:tools'

/** A running authorization server. */
export interface AuthorizationServer {
  readonly issuer: string
  /** Who logs in at the next authorization. */
  user: string
  stop(): Promise<void>
}

/** Starts oidc-provider on a free loopback port: dynamic registration, PKCE, JWT access tokens bound to the requested resource. */
export async function startAuthorizationServer(): Promise<AuthorizationServer> {
  const server = createServer()
  await listen(server)
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const signing = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }
  const state = { user: 'alice' }
  const provider = new Provider(issuer, {
    clients: [],
    jwks: { keys: [signing] },
    cookies: { keys: ['oauth-test-cookie-key'] },
    // What clients may register for (the SDK registers with the scope the resource asks for).
    scopes: ['openid', 'offline_access', MCP_SCOPE],
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // The MCP client names its resource (RFC 8707); the token's audience is exactly that.
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({ scope: MCP_SCOPE, audience: resource, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
        useGrantedResource: () => true,
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    pkce: { required: () => true },
    // Lifetimes set, so the provider does not print a notice for each default it uses.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, Interaction: 600, RefreshToken: 600, Session: 600 },
  } as ConstructorParameters<typeof Provider>[1])
  const callback = provider.callback()
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) {
      callback(req, res)
      return
    }
    // The "user": logs in as `state.user` and consents to what is asked.
    void (async () => {
      const details = await provider.interactionDetails(req, res)
      if (details.prompt.name === 'login') {
        await provider.interactionFinished(req, res, { login: { accountId: state.user } }, { mergeWithLastSubmission: false })
        return
      }
      const grant = details.grantId === undefined ? new provider.Grant({ accountId: details.session?.accountId as string, clientId: details.params['client_id'] as string }) : ((await provider.Grant.find(details.grantId)) as InstanceType<typeof provider.Grant>)
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> }
      if (missing.missingOIDCScope !== undefined) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '))
      await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true })
    })().catch((error: unknown) => {
      if (res.headersSent) res.destroy()
      else res.writeHead(500).end(String(error))
    })
  })
  return {
    issuer,
    get user() {
      return state.user
    },
    set user(user: string) {
      state.user = user
    },
    stop: () => close(server),
  }
}

/** A running MCP server that takes only the authorization server's tokens. */
export interface ProtectedServer {
  readonly url: string
  /** The audience its tokens must name: the gateway's public URL once it is known. */
  audience: string
  /** How often each tool really ran, and as whom. */
  readonly calls: string[]
  stop(): Promise<void>
}

/**
 * An MCP server (official SDK) behind bearer-token checks: a request without
 * a valid token gets 401 with `WWW-Authenticate` naming its protected resource
 * metadata, which names the authorization server. `openMethods` are served
 * without a token (an upstream that checks per method: discovery open, tools not).
 */
export async function startProtectedServer(issuer: string, options: { openMethods?: readonly string[] } = {}): Promise<ProtectedServer> {
  const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`))
  const calls: string[] = []
  const handler = toNodeHandler(
    createMcpHandler(() => {
      const mcp = new McpServer({ name: 'protected-server', version: '1.0.0' })
      mcp.registerTool('whoami', { description: 'Names the caller', inputSchema: z.object({ n: z.number() }), annotations: { readOnlyHint: true } }, async ({ n }, ctx) => {
        const sub = String(ctx.http?.authInfo?.extra?.['sub'])
        calls.push(`whoami:${sub}`)
        return { content: [{ type: 'text', text: `${n} for ${sub}` }] }
      })
      mcp.registerResource('shared-notes', 'notes://shared', { mimeType: 'text/plain', cacheHint: { ttlMs: 60_000, cacheScope: 'public' } }, async (uri) => {
        calls.push('read:notes')
        return { contents: [{ uri: uri.href, text: `shared notes, read ${calls.length}` }] }
      })
      mcp.registerTool('lookup_code', { description: 'Looks up a code', inputSchema: z.object({ code: z.string() }), annotations: { readOnlyHint: true } }, async ({ code }) => {
        calls.push(`lookup_code:${code}`)
        return { content: [{ type: 'text', text: `${code}: call ${calls.length}` }] }
      })
      return mcp
    }, { legacy: 'stateless' }),
  )
  const server = createServer()
  await listen(server)
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`
  const state = { audience: `${origin}/mcp` }
  server.on('request', (req, res) => {
    if (req.url === '/.well-known/oauth-protected-resource/mcp') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource: `${origin}/mcp`, authorization_servers: [issuer], scopes_supported: [MCP_SCOPE], bearer_methods_supported: ['header'] }))
      return
    }
    const refuse = (error?: string) =>
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Bearer resource_metadata="${metadataUrl}", scope="${MCP_SCOPE}"${error === undefined ? '' : `, error="${error}"`}` })
        .end(JSON.stringify({ error: error ?? 'unauthorized' }))
    const serve = (body: unknown) => handler(req, res, body).catch((error: unknown) => res.destroy(error as Error))
    void readJson(req).then(async (body) => {
      const methods = (Array.isArray(body) ? body : [body]).map((message) => (message as { method?: unknown } | undefined)?.method)
      if (body !== undefined && methods.every((method) => typeof method === 'string' && options.openMethods?.includes(method))) return serve(body)
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      if (token === undefined) return refuse()
      const verified = await jwtVerify(token, keys, { issuer, audience: state.audience }).catch(() => undefined)
      if (verified === undefined) return refuse('invalid_token')
      // Where the SDK's HTTP handler takes the verified caller from.
      ;(req as typeof req & { auth?: unknown }).auth = { token, clientId: String(verified.payload['client_id']), scopes: String(verified.payload['scope'] ?? '').split(' '), extra: { sub: verified.payload.sub } }
      return serve(body)
    }).catch((error: unknown) => res.destroy(error as Error))
  })
  return {
    url: `${origin}/mcp`,
    get audience() {
      return state.audience
    },
    set audience(audience: string) {
      state.audience = audience
    },
    calls,
    stop: () => close(server),
  }
}

/** The SDK client's OAuth provider, kept in memory; its "browser" completes authorization with fetch. */
export class TestOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:9/oauth/callback'
  /** The callback URL the last authorization ended at (its `code` and `iss` go to `finishAuth`). */
  callback: URL | undefined
  private client: StoredOAuthClientInformation | undefined
  private saved: StoredOAuthTokens | undefined
  private verifier = ''
  private discovery: OAuthDiscoveryState | undefined

  get clientMetadata() {
    return { client_name: 'mcp-cache oauth test', redirect_uris: [this.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }
  }
  clientInformation() {
    return this.client
  }
  saveClientInformation(client: StoredOAuthClientInformation) {
    this.client = client
  }
  tokens() {
    return this.saved
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier
  }
  codeVerifier() {
    return this.verifier
  }
  discoveryState() {
    return this.discovery
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state
  }
  /** The user agent: follows the authorization server's redirects, cookies kept, until it is sent back here. */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const cookies = new Map<string, string>()
    let next = authorizationUrl
    for (let hop = 0; hop < 12; hop++) {
      const response = await fetch(next, { redirect: 'manual', headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } })
      for (const line of response.headers.getSetCookie()) {
        const pair = line.split(';', 1)[0] as string
        const name = pair.slice(0, pair.indexOf('='))
        const value = pair.slice(pair.indexOf('=') + 1)
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name)
        else cookies.set(name, value)
      }
      const location = response.headers.get('location')
      const body = await response.text()
      if (location === null) throw new Error(`authorization stopped at HTTP ${response.status}: ${body.slice(0, 300)}`)
      next = new URL(location, next)
      if (next.href.startsWith(this.redirectUrl)) {
        this.callback = next
        return
      }
    }
    throw new Error('authorization did not come back within 12 redirects')
  }
}

/** A POST's JSON body (undefined for other methods or a body that is not JSON). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  if (req.method !== 'POST') return undefined
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
