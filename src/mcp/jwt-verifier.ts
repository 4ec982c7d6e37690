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

/** What is wrong with a token, by jose's error code; codes not listed are the gateway's trouble, not the token's. */
const TOKEN_PROBLEMS: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: "it has expired ('exp')",
  ERR_JWT_CLAIM_VALIDATION_FAILED: "a claim does not match ('iss', 'aud', 'nbf' or a required 'exp')",
  ERR_JWT_INVALID: 'it is not a valid JWT',
  ERR_JWS_INVALID: 'it is not a valid signed token',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'its signature does not verify',
  ERR_JOSE_ALG_NOT_ALLOWED: 'its algorithm is not allowed',
  ERR_JOSE_NOT_SUPPORTED: 'its algorithm is not supported',
  ERR_JWKS_NO_MATCHING_KEY: 'no signing key of the issuer matches it',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'several signing keys of the issuer match it',
}

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
      payload = (await jwtVerify(token, this.keys, { issuer: this.options.issuer, audience: this.options.audience, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp'] })).payload
    } catch (error) {
      const problem = error instanceof errors.JOSEError ? TOKEN_PROBLEMS[error.code] : undefined
      // Anything else (the key set unreachable, not 200, not a key set): the token may be fine, the gateway cannot tell now.
      if (problem === undefined) return { ok: false, status: 503, message: 'the signing keys of the authorization server could not be fetched; retry' }
      // A fixed text per kind: jose's own messages may quote the token's header, which the caller wrote.
      return refused('invalid_token', `the access token was refused: ${problem}`)
    }
    const subject = claimText(payload[this.claim])
    if (subject === undefined) return refused('invalid_token', `the access token has no '${this.claim}' claim`)
    const tenant = this.options.tenantClaim === undefined ? undefined : claimText(payload[this.options.tenantClaim])
    return { ok: true, principal: `j.${this.hmac(subject)}`, tenant: tenant === undefined ? undefined : `t.${this.hmac(tenant)}` }
  }

  private hmac(value: string): string {
    return createHmac('sha256', this.secret).update(`${this.options.issuer}\u0000${value}`).digest('base64url').slice(0, 32)
  }
}

/** A claim that names someone: non-empty text, or a number (`org_id: 123`) as its text. */
function claimText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value !== '' ? value : undefined
}

function refused(code: 'invalid_request' | 'invalid_token', message: string): JwtCheck {
  // RFC 6750: the challenge names the error (none for a request without credentials); every text here is the gateway's own.
  const challenge = code === 'invalid_request' ? 'Bearer' : `Bearer error="${code}", error_description="${message}"`
  return { ok: false, status: 401, message, challenge }
}
