import { describe, expect, it } from 'vitest'
import { AcceptedCredentials, isAuthRefusal } from '../../src/mcp/http/accepted-credentials.js'
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
  it('vouches for a credential per kind of request after a success, and for nothing once it is refused', () => {
    const accepted = new AcceptedCredentials(60_000)
    expect(accepted.has('c1', 'tools/call:a')).toBe(false)
    accepted.vouch('c1', 'tools/call:a')
    expect(accepted.has('c1', 'tools/call:a')).toBe(true)
    // Another tool may need more scope; another credential is another caller.
    expect(accepted.has('c1', 'tools/call:b')).toBe(false)
    expect(accepted.has('c2', 'tools/call:a')).toBe(false)
    accepted.vouch('c1', 'resources/read')
    accepted.forget('c1')
    expect(accepted.has('c1', 'tools/call:a')).toBe(false)
    expect(accepted.has('c1', 'resources/read')).toBe(false)
  })

  it('vouches only for the TTL', () => {
    const accepted = new AcceptedCredentials(0)
    accepted.vouch('c1', 'tools/list')
    expect(accepted.has('c1', 'tools/list')).toBe(false)
  })

  it('counts a 401, and a 403 with a bearer challenge, as refusing the credentials; a bare 403 (a Host check) is not', () => {
    expect(isAuthRefusal(401, undefined)).toBe(true)
    expect(isAuthRefusal(403, 'Bearer error="insufficient_scope", scope="b"')).toBe(true)
    expect(isAuthRefusal(403, undefined)).toBe(false)
    expect(isAuthRefusal(200, 'Bearer')).toBe(false)
  })
})
