/**
 * `serve` as an OAuth resource server (`auth.jwt`): it verifies bearer JWTs
 * against a key set served over HTTP (real RS256 keys and tokens made with
 * jose in the test), refuses bad tokens with 401 and a WWW-Authenticate
 * challenge, keys user-scoped entries by issuer and subject (a refreshed token
 * keeps its hits), and shares tenant-scoped entries within one tenant only.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER, writeConfig } from '../helpers/proxy-client.js'
import { MODERN_META, rawPost, STATELESS_HEADERS, toolCall } from '../helpers/raw-http.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const ISSUER = 'https://auth.test.example'
const AUDIENCE = 'https://mcp.test.example/mcp'
const KID = 'test-key-1'

describe('serve verifying bearer JWTs (auth.jwt)', () => {
  let jwks: Server
  let upstream: UrlProcess
  let gateway: UrlProcess
  let sign: (claims: { sub?: string; tenant?: string }, options?: { audience?: string; expiresIn?: string | number }) => Promise<string>

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' }
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })))
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
    sign = async ({ sub, tenant }, options = {}) => {
      const jwt = new SignJWT(tenant === undefined ? {} : { tenant }).setProtectedHeader({ alg: 'RS256', kid: KID }).setIssuer(ISSUER).setAudience(options.audience ?? AUDIENCE).setIssuedAt()
      if (sub !== undefined) jwt.setSubject(sub)
      // A unique id: two tokens of one user differ, as a refreshed token does.
      return jwt.setJti(crypto.randomUUID()).setExpirationTime(options.expiresIn ?? '5m').sign(privateKey)
    }
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`
    const config = writeConfig({ auth: { jwt: { jwksUrl, issuer: ISSUER, audience: AUDIENCE, tenantClaim: 'tenant' } }, tools: { lookup_code: { scope: 'tenant' } } })
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--config', config, '--upstream', upstream.url])
  })
  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
    await new Promise((resolve) => jwks?.close(resolve))
  })

  const call = async (token: string | undefined, id: number, name: string, args: Record<string, unknown>) => {
    const answer = await rawPost(gateway.url, toolCall(id, name, args, MODERN_META), { ...STATELESS_HEADERS, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) })
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

  it('shares tenant-scoped entries within a tenant, never across', async () => {
    expect(await call(await sign({ sub: 'alice', tenant: 'acme' }), 1, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'miss' })
    expect(await call(await sign({ sub: 'carol', tenant: 'acme' }), 2, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'hit' })
    expect(await call(await sign({ sub: 'dave', tenant: 'globex' }), 3, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'miss' })
    // Without a tenant claim there is no tenant to share with: tenant-scoped calls bypass the cache.
    expect(await call(await sign({ sub: 'erin' }), 4, 'lookup_code', { code: 'T1' })).toMatchObject({ cache: 'bypass' })
  })

  it('refuses a missing, expired, wrongly addressed or forged token with 401 and a challenge, before any upstream work', async () => {
    const before = await call(await sign({ sub: 'alice', tenant: 'acme' }), 9, 'upstream_counts', {})
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['no token', undefined, /error="invalid_request"/],
      ['expired', await sign({ sub: 'alice' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), /error="invalid_token".*'exp'/],
      ['wrong audience', await sign({ sub: 'alice' }, { audience: 'https://other.example' }), /error="invalid_token".*'aud'/],
      ['no subject', await sign({}), /error="invalid_token".*'sub'/],
      ['not a JWT', 'opaque-token-123', /error="invalid_token"/],
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
    const after = await call(await sign({ sub: 'alice', tenant: 'acme' }), 10, 'upstream_counts', {})
    expect(JSON.parse(after.text ?? '{}')['whoami']).toBe(JSON.parse(before.text ?? '{}')['whoami'])
  })
})
