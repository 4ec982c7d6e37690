import { describe, expect, it } from 'vitest'
import { AcceptedCredentials } from '../../src/mcp/http/accepted-credentials.js'
import { ProtectedResource } from '../../src/mcp/http/protected-resource.js'

describe('ProtectedResource', () => {
  const gateway = new URL('https://mcp.example.com/mcp')

  it('puts the well-known path in front of the public URL\u2019s path (RFC 9728)', () => {
    expect(ProtectedResource.urlFor(gateway)).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp')
    expect(ProtectedResource.urlFor(new URL('http://127.0.0.1:7700/'))).toBe('http://127.0.0.1:7700/.well-known/oauth-protected-resource')
    expect(ProtectedResource.serves('/.well-known/oauth-protected-resource')).toBe(true)
    expect(ProtectedResource.serves('/.well-known/oauth-protected-resource/mcp')).toBe(true)
    expect(ProtectedResource.serves('/.well-known/oauth-protected-resourcex')).toBe(false)
  })

  it('points resource_metadata at the gateway, quoted or bare, and keeps every other parameter', () => {
    const resource = ProtectedResource.ofUpstream('https://user:pw@upstream.internal:8443/mcp')
    const ours = 'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"'
    expect(resource.challenge('Bearer resource_metadata="https://upstream.internal:8443/.well-known/oauth-protected-resource/mcp", scope="a b", error="invalid_token"', gateway)).toBe(`Bearer ${ours}, scope="a b", error="invalid_token"`)
    expect(resource.challenge('Bearer error="insufficient_scope", resource_metadata=https://upstream.internal:8443/x', gateway)).toBe(`Bearer error="insufficient_scope", ${ours}`)
    // Added where missing; not a bearer challenge: left as the upstream said it.
    expect(resource.challenge('Bearer', gateway)).toBe(`Bearer ${ours}`)
    expect(resource.challenge('Bearer error="invalid_token"', gateway)).toBe(`Bearer ${ours}, error="invalid_token"`)
    expect(resource.challenge('Basic realm="upstream"', gateway)).toBe('Basic realm="upstream"')
  })

  it('names the configured issuer as the authorization server when the gateway verifies tokens itself', async () => {
    expect(await ProtectedResource.ofIssuer('https://login.example.com').answer(gateway)).toStrictEqual({
      status: 200,
      body: { resource: 'https://mcp.example.com/mcp', authorization_servers: ['https://login.example.com'], bearer_methods_supported: ['header'] },
    })
  })
})

describe('AcceptedCredentials', () => {
  it('vouches for a credential after a success, and no longer once the upstream refuses it', () => {
    const accepted = new AcceptedCredentials(60_000)
    expect(accepted.has('c1')).toBe(false)
    accepted.heard('c1', 500)
    accepted.heard('c1', 404)
    expect(accepted.has('c1')).toBe(false)
    accepted.heard('c1', 202)
    expect(accepted.has('c1')).toBe(true)
    expect(accepted.has('c2')).toBe(false)
    accepted.heard('c1', 403)
    expect(accepted.has('c1')).toBe(false)
    accepted.heard('c1', 200)
    accepted.heard('c1', 401)
    expect(accepted.has('c1')).toBe(false)
  })
})
