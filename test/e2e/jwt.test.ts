/**
 * `serve` as an OAuth resource server (`auth.jwt`): it verifies bearer JWTs
 * against a key set served over HTTP (real RS256 keys and tokens made with
 * jose in the test), refuses bad tokens with 401 and a WWW-Authenticate
 * challenge, keys user-scoped entries by issuer and subject (a refreshed token
 * keeps its hits), and shares tenant-scoped entries within one tenant only.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER, writeConfig } from '../helpers/proxy-client.js'
import { MODERN_META, openSession, rawPost, STATELESS_HEADERS, toolCall } from '../helpers/raw-http.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const ISSUER = 'https://auth.test.example'
const AUDIENCE = 'https://mcp.test.example/mcp'
const KID = 'test-key-1'

describe('serve verifying bearer JWTs (auth.jwt)', () => {
  let jwks: Server
  let upstream: UrlProcess
  let gateway: UrlProcess
  let sign: (claims: { sub?: string; tenant?: string | number }, options?: { audience?: string; issuer?: string; expiresIn?: string | number }) => Promise<string>
  let forgeries: Array<[string, string]>
  let jwksUrl: string

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' }
    // The key set; /broken stands for an authorization server that is down.
    jwks = createServer((req, res) => (req.url === '/broken' ? res.writeHead(502).end('bad gateway') : res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))))
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
    sign = async ({ sub, tenant }, options = {}) => {
      const jwt = new SignJWT(tenant === undefined ? {} : { tenant }).setProtectedHeader({ alg: 'RS256', kid: KID }).setIssuer(options.issuer ?? ISSUER).setAudience(options.audience ?? AUDIENCE).setIssuedAt()
      if (sub !== undefined) jwt.setSubject(sub)
      // A unique id: two tokens of one user differ, as a refreshed token does.
      return jwt.setJti(crypto.randomUUID()).setExpirationTime(options.expiresIn ?? '5m').sign(privateKey)
    }
    // Tokens that must never pass: signed by another key under the issuer's key id, unsigned, and HS256 keyed with the public key.
    const impostor = await generateKeyPair('RS256')
    const claims = (jwt: SignJWT) => jwt.setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('alice').setExpirationTime('5m')
    forgeries = [
      ['another key, same kid', await claims(new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: KID })).sign(impostor.privateKey)],
      ['alg none', new UnsecuredJWT({}).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('alice').setExpirationTime('5m').encode()],
      ['HS256 keyed with the public key', await claims(new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: KID })).sign(new TextEncoder().encode(await exportSPKI(publicKey)))],
    ]
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`
    const config = writeConfig({ auth: { jwt: { jwksUrl, issuer: ISSUER, audience: AUDIENCE, tenantClaim: 'tenant' } }, tools: { lookup_code: { scope: 'tenant' } } })
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--config', config, '--upstream', upstream.url])
  })
  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
    await new Promise((resolve) => jwks?.close(resolve))
  })

  const call = async (token: string | undefined, id: number, name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}) => {
    const answer = await rawPost(gateway.url, toolCall(id, name, args, { ...MODERN_META, ...meta }), { ...STATELESS_HEADERS, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) })
    const result = answer.messages[0]?.['result'] as { content: Array<{ text: string }>; _meta: Record<string, unknown> } | undefined
    return { status: answer.status, cache: result?._meta['mcp-cache/status'], text: result?.content[0]?.text, answer }
  }

  it('keys a user by issuer and subject: a refreshed token keeps its hits, another subject never shares them', async () => {
    const first = await sign({ sub: 'alice', tenant: 'acme' })
    const refreshed = await sign({ sub: 'alice', tenant: 'acme' })
    expect(refreshed).not.toBe(first)
    expect(await call(first, 1, 'whoami', { n: 1 })).toMatchObject({ status: 200, cache: 'miss' })
    expect(await call(refreshed, 2, 'whoami', { n: 1 })).toMatchObject({ status: 200, cache: 'hit' })
    expect(await call(await sign({ sub: 'bob', tenant: 'acme' }), 3, 'whoami', { n: 1 })).toMatchObject({ status: 200, cache: 'miss' })
  })

  it('sends a token refreshed mid-session upstream with the requests that carry it', async () => {
    const first = await sign({ sub: 'alice', tenant: 'acme' })
    const refreshed = await sign({ sub: 'alice', tenant: 'acme' })
    const session = await openSession(gateway.url, { authorization: `Bearer ${first}` })
    const write = async (token: string, n: number) => {
      const answer = await rawPost(gateway.url, toolCall(n, 'record_caller', { n }), { ...session, authorization: `Bearer ${token}` })
      return (answer.messages[0]?.['result'] as { content: Array<{ text: string }> } | undefined)?.content[0]?.text
    }
    expect(await write(first, 1)).toBe(`1 written by ${first}`)
    expect(await write(refreshed, 2)).toBe(`2 written by ${refreshed}`)
    // Another user's token cannot use the session: it is unknown to them.
    const other = await rawPost(gateway.url, toolCall(3, 'record_caller', { n: 3 }), { ...session, authorization: `Bearer ${await sign({ sub: 'mallory', tenant: 'acme' })}` })
    expect(other.status).toBe(404)
  })

  it('shares tenant-scoped entries within a tenant, never across', async () => {
    expect(await call(await sign({ sub: 'alice', tenant: 'acme' }), 1, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'miss' })
    expect(await call(await sign({ sub: 'carol', tenant: 'acme' }), 2, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'hit' })
    expect(await call(await sign({ sub: 'dave', tenant: 'globex' }), 3, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'miss' })
    // Without a tenant claim there is no tenant to share with: tenant-scoped calls bypass the cache.
    expect(await call(await sign({ sub: 'erin' }), 4, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'bypass' })
    // A numeric claim names the tenant by its text.
    expect(await call(await sign({ sub: 'frank', tenant: 123 }), 5, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'miss' })
    expect(await call(await sign({ sub: 'grace', tenant: '123' }), 6, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'hit' })
  })

  it('refuses a missing, expired, wrongly addressed or forged token with 401 and a challenge, before any upstream work', async () => {
    // Asked with cacheMode "bypass": live counts, not a cached answer.
    const counts = async (id: number) => JSON.parse((await call(await sign({ sub: 'alice', tenant: 'acme' }), id, 'upstream_counts', {}, { 'mcp-cache/cacheMode': 'bypass' })).text ?? '{}') as Record<string, number>
    const before = await counts(9)
    const metadata = `${new URL(gateway.url).origin}/.well-known/oauth-protected-resource/mcp`
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['no token', undefined, new RegExp(`^Bearer resource_metadata="${metadata}"$`)],
      ['expired', await sign({ sub: 'alice' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), /error="invalid_token".*'exp'/],
      ['wrong audience', await sign({ sub: 'alice' }, { audience: 'https://other.example' }), /error="invalid_token".*'aud'/],
      ['wrong issuer', await sign({ sub: 'alice' }, { issuer: 'https://evil.example' }), /error="invalid_token".*'iss'/],
      ['no subject', await sign({}), /error="invalid_token".*'sub'/],
      ['not a JWT', 'opaque-token-123', /error="invalid_token"/],
      ...forgeries.map(([name, token]): [string, string, RegExp] => [name, token, /error="invalid_token"/]),
    ]
    for (const [name, token, challenge] of cases) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...STATELESS_HEADERS, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(toolCall(1, 'whoami', { n: 2 }, MODERN_META)),
      })
      expect(response.status, name).toBe(401)
      expect(response.headers.get('www-authenticate'), name).toMatch(challenge)
    }
    // None of them reached the upstream.
    expect((await counts(10))['whoami']).toBe(before['whoami'])
    // Every challenge points at the gateway's metadata, which names the issuer: where a client gets a token.
    const response = await fetch(metadata)
    expect(await response.json()).toStrictEqual({ resource: gateway.url, authorization_servers: [ISSUER], bearer_methods_supported: ['header'] })
  })

  it('takes the same settings from flags', async () => {
    const flagged = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--jwt-jwks-url', jwksUrl, '--jwt-issuer', ISSUER, '--jwt-audience', AUDIENCE])
    try {
      const headers = (token?: string) => ({ ...STATELESS_HEADERS, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) })
      expect((await rawPost(flagged.url, toolCall(1, 'whoami', { n: 4 }, MODERN_META), headers(await sign({ sub: 'alice' })))).status).toBe(200)
      expect((await rawPost(flagged.url, toolCall(2, 'whoami', { n: 4 }, MODERN_META), headers())).status).toBe(401)
    } finally {
      await flagged.stop()
    }
  })

  it('answers 503, not 401, when the signing keys cannot be fetched: the token may be fine', async () => {
    const config = writeConfig({ auth: { jwt: { jwksUrl: jwksUrl.replace('/jwks.json', '/broken'), issuer: ISSUER, audience: AUDIENCE } } })
    const broken = await spawnWithUrl([CLI, 'serve', '--port', '0', '--config', config, '--upstream', upstream.url])
    try {
      const answer = await rawPost(broken.url, toolCall(1, 'whoami', { n: 3 }, MODERN_META), { ...STATELESS_HEADERS, authorization: `Bearer ${await sign({ sub: 'alice' })}` })
      expect(answer.status).toBe(503)
      expect(answer.text).toMatch(/signing keys .* could not be fetched/)
    } finally {
      await broken.stop()
    }
  })
})
