import { describe, expect, it } from 'vitest'
import { PrincipalResolver } from '../../src/mcp/principal.js'

describe('who is calling', () => {
  const resolver = new PrincipalResolver({ secret: 'test-secret', credentialHeaders: ['X-Api-Key'] })

  it('derives a principal from every scheme of Authorization and from credential headers, never showing them', () => {
    const callers = [
      { authorization: 'Bearer abc' },
      { authorization: 'bearer abc' },
      { authorization: 'Basic YWxpY2U6cHc=' },
      { authorization: 'Basic Ym9iOnB3' },
      { authorization: 'DPoP abc' },
      { authorization: 'Token abc' },
      { 'x-api-key': 'abc' },
      { authorization: 'Bearer abc', 'x-api-key': 'abc' },
    ]
    const principals = callers.map((headers) => resolver.identify(headers).principal)
    expect(new Set(principals).size).toBe(callers.length)
    for (const principal of principals) {
      expect(principal).toMatch(/^c\.[\w-]{32}$/)
      expect(principal).not.toContain('abc')
    }
    // The same credentials are the same caller, in any instance with the same secret.
    expect(new PrincipalResolver({ secret: 'test-secret', credentialHeaders: ['x-api-key'] }).identify({ 'x-api-key': 'abc' }).principal).toBe(principals[6])
  })

  it('gives a request without credentials no principal, and ignores headers that are not credentials', () => {
    expect(resolver.identify({})).toStrictEqual({ principal: undefined, credential: '' })
    expect(resolver.identify({ authorization: '  ' })).toStrictEqual({ principal: undefined, credential: '' })
    expect(resolver.identify({ authorization: 'DPoP t', dpop: 'proof-1' }).principal).toBe(resolver.identify({ authorization: 'DPoP t', dpop: 'proof-2' }).principal)
  })

  it('names the user by the trusted header, and still tells that user\u2019s credentials apart for upstream connections', () => {
    const trusted = new PrincipalResolver({ secret: 's', trustedHeader: 'X-User-Id' })
    const first = trusted.identify({ 'x-user-id': 'alice', authorization: 'Bearer old' })
    const refreshed = trusted.identify({ 'x-user-id': 'alice', authorization: 'Bearer new' })
    expect(first.principal).toBe('h.alice')
    expect(refreshed.principal).toBe('h.alice')
    expect(first.credential).not.toBe(refreshed.credential)
  })

  it('passes on exactly the credential headers', () => {
    expect(resolver.credentialsOf({ authorization: 'Basic x', 'x-api-key': 'k', cookie: 'c', dpop: 'p' })).toStrictEqual({ authorization: 'Basic x', 'x-api-key': 'k' })
  })
})

describe('tenant scope in the gateway config', () => {
  it('is refused without a verified tenant claim to scope by, naming the rule', async () => {
    const { parseGatewayConfig } = await import('../../src/mcp/gateway-config.js')
    expect(() => parseGatewayConfig({ tools: { lookup_code: { scope: 'tenant' } } })).toThrow(/tools\.lookup_code\.scope.*auth\.jwt\.tenantClaim/s)
    const jwt = { jwksUrl: 'https://auth.example/jwks.json', issuer: 'https://auth.example', audience: 'mcp', tenantClaim: 'org' }
    expect(parseGatewayConfig({ auth: { jwt }, tools: { lookup_code: { scope: 'tenant' } } }).auth?.jwt).toMatchObject({ ...jwt, principalClaim: 'sub' })
    expect(() => parseGatewayConfig({ auth: { jwt: { ...jwt, jwksUrl: 'not a url' } } })).toThrow(/auth\.jwt\.jwksUrl/)
  })
})
