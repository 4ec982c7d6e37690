import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { JwtVerifier, type JwtOptions } from './jwt-verifier.js'

/** How the HTTP gateway tells callers apart. */
export interface PrincipalOptions {
  /** Key of the HMAC over credentials. Set it (MCP_CACHE_SECRET) so several instances agree; random otherwise. */
  readonly secret?: string
  /** A header set by a trusted proxy in front (e.g. `x-user-id`) that names the user. */
  readonly trustedHeader?: string
  /** Headers that carry credentials besides `Authorization` (`x-api-key`): part of who is calling. */
  readonly credentialHeaders?: readonly string[]
  /** Verify bearer JWTs and name the caller by issuer and subject (the gateway as resource server). */
  readonly jwt?: JwtOptions
}

/** Why a request's credentials were refused, as the HTTP answer says it. */
export interface Refusal {
  readonly status: 401 | 503
  readonly message: string
  /** The `WWW-Authenticate` value of a 401. */
  readonly challenge?: string
}

/** True for a refused request. */
export function isRefusal(outcome: Caller | Refusal): outcome is Refusal {
  return 'status' in outcome
}

/** Who sent a request, as far as caching and upstream connections are concerned. */
export interface Caller {
  /**
   * Whose user-scoped entries the request reads and writes: the trusted
   * header's user, else an HMAC of its credentials. Undefined for a request
   * without credentials: it shares no user-scoped entry with anyone.
   */
  readonly principal: string | undefined
  /**
   * An HMAC of the request's credentials (every scheme of `Authorization`, and
   * the credential headers), '' without any. Requests sharing one upstream
   * connection must share this, so none is sent upstream with another's credentials.
   */
  readonly credential: string
  /** The caller's tenant (from a verified JWT's tenant claim), for `scope: tenant` entries. */
  readonly tenant?: string
}

/**
 * Derives who is calling from a request's headers. Credentials are only ever
 * kept as an HMAC: the token, password or key itself is never stored or logged.
 */
export class PrincipalResolver {
  private readonly secret: Buffer
  private readonly trustedHeader: string | undefined
  private readonly credentialHeaders: readonly string[]
  private readonly jwt: JwtVerifier | undefined

  constructor(options: PrincipalOptions = {}) {
    this.secret = options.secret ? Buffer.from(options.secret) : randomBytes(32)
    this.trustedHeader = options.trustedHeader?.toLowerCase()
    this.credentialHeaders = ['authorization', ...(options.credentialHeaders ?? []).map((name) => name.toLowerCase()).filter((name) => name !== 'authorization')]
    this.jwt = options.jwt === undefined ? undefined : new JwtVerifier(options.jwt, this.secret)
  }

  /**
   * The caller of a request, checked: with JWT verification on, a request
   * without a valid token is refused, and the principal is the token's issuer
   * and subject (the same across refreshed tokens). Without it, as {@link identify}.
   */
  async authenticate(headers: IncomingHttpHeaders): Promise<Caller | Refusal> {
    if (this.jwt === undefined) return this.identify(headers)
    const checked = await this.jwt.check(firstValue(headers['authorization']))
    if (!checked.ok) return checked
    return { principal: checked.principal, credential: this.credentialOf(headers), ...(checked.tenant === undefined ? {} : { tenant: checked.tenant }) }
  }

  /** The caller of a request with these headers. */
  identify(headers: IncomingHttpHeaders): Caller {
    const credential = this.credentialOf(headers)
    if (this.trustedHeader !== undefined) {
      const name = firstValue(headers[this.trustedHeader])
      if (name) return { principal: `h.${name}`, credential }
    }
    return { principal: credential === '' ? undefined : `c.${credential}`, credential }
  }

  /** The headers of a request that carry credentials, as sent (for the upstream only: never logged or stored). */
  credentialsOf(headers: IncomingHttpHeaders): Record<string, string> {
    const credentials: Record<string, string> = {}
    for (const name of this.credentialHeaders) {
      const value = headers[name]
      const text = Array.isArray(value) ? value.join(', ') : value
      if (text !== undefined && text.trim() !== '') credentials[name] = text
    }
    return credentials
  }

  private credentialOf(headers: IncomingHttpHeaders): string {
    // Each header by name, its values in order: `Basic a` and `Bearer a`, or a key moved to another
    // header, are different credentials. The whole value is taken, scheme included.
    const parts: string[] = []
    for (const name of this.credentialHeaders) {
      const value = headers[name]
      const values = Array.isArray(value) ? value : value === undefined ? [] : [value]
      for (const text of values) if (text.trim() !== '') parts.push(`${name}\u0000${text.trim()}`)
    }
    if (parts.length === 0) return ''
    return createHmac('sha256', this.secret).update(parts.join('\u0001')).digest('base64url').slice(0, 32)
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
