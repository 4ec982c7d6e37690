import { createHmac } from 'node:crypto'
import { createRemoteJWKSet, errors, jwtVerify } from 'jose'

/** The gateway as an OAuth resource server: which bearer JWTs it accepts, and whom they name. */
export interface JwtOptions {
  /** Where the authorization server publishes its signing keys (fetched, cached, refetched on an unknown key id). */
  readonly jwksUrl: string
  /** The `iss` every token must carry. */
  readonly issuer: string
  /** An `aud` every token must carry (the gateway's resource identifier). */
  readonly audience: string
  /** The claim that names the user. @default 'sub' */
  readonly principalClaim?: string
  /** The claim that names the user's tenant, for `scope: tenant` rules. */
  readonly tenantClaim?: string
}

/** A request's bearer JWT, checked: who it names, or why it is refused and with which HTTP status. */
export type JwtCheck =
  | { readonly ok: true; readonly principal: string; readonly tenant: string | undefined }
  | { readonly ok: false; readonly status: 401 | 503; readonly message: string; readonly challenge?: string }

/** Allowed clock difference with the authorization server, in seconds. */
const CLOCK_TOLERANCE_S = 5

/**
 * Verifies bearer JWTs with `jose`: the signature against the issuer's key set
 * (remote, cached, rotated), then `exp`, `nbf`, `iss` and `aud`. The principal
 * is an HMAC of issuer and subject, so every token a user is issued (an
 * hourly refresh) keys the same entries, and no subject appears in a key.
 */
export class JwtVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>
  private readonly claim: string

  constructor(
    private readonly options: JwtOptions,
    private readonly secret: Buffer,
  ) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl))
    this.claim = options.principalClaim ?? 'sub'
  }

  /** Checks the `Authorization` header of a request. Never throws. */
  async check(authorization: string | undefined): Promise<JwtCheck> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
    if (token === undefined) return refused('invalid_request', 'this gateway needs a bearer token (an access token from the authorization server)')
    let payload: Record<string, unknown>
    try {
      payload = (await jwtVerify(token, this.keys, { issuer: this.options.issuer, audience: this.options.audience, clockTolerance: CLOCK_TOLERANCE_S })).payload
    } catch (error) {
      // The key set could not be fetched: the token may be fine, the gateway cannot tell now.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) return { ok: false, status: 503, message: 'the signing keys of the authorization server could not be fetched; retry' }
      return refused('invalid_token', `the access token was refused: ${error.message}`)
    }
    const subject = payload[this.claim]
    if (typeof subject !== 'string' || subject === '') return refused('invalid_token', `the access token has no "${this.claim}" claim`)
    const tenant = this.options.tenantClaim === undefined ? undefined : payload[this.options.tenantClaim]
    return {
      ok: true,
      principal: `j.${this.hmac(subject)}`,
      tenant: typeof tenant === 'string' && tenant !== '' ? `t.${this.hmac(tenant)}` : undefined,
    }
  }

  private hmac(value: string): string {
    return createHmac('sha256', this.secret).update(`${this.options.issuer}\u0000${value}`).digest('base64url').slice(0, 32)
  }
}

function refused(code: 'invalid_request' | 'invalid_token', message: string): JwtCheck {
  // RFC 6750: the challenge names the error; a description may not hold a double quote.
  return { ok: false, status: 401, message, challenge: `Bearer error="${code}", error_description="${message.replaceAll('"', "'")}"` }
}
