import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** How the HTTP gateway tells callers apart. */
export interface PrincipalOptions {
  /** Key of the HMAC over bearer tokens. Set it (MCP_CACHE_SECRET) so several instances agree; random otherwise. */
  readonly secret?: string
  /** A header set by a trusted proxy in front (e.g. `x-user-id`) that names the user. */
  readonly trustedHeader?: string
}

/**
 * Derives a principal from a request: an HMAC of the bearer token (the token
 * itself is never stored or logged), a trusted header, or `anonymous`.
 */
export class PrincipalResolver {
  private readonly secret: Buffer
  private readonly trustedHeader: string | undefined

  constructor(options: PrincipalOptions = {}) {
    this.secret = options.secret ? Buffer.from(options.secret) : randomBytes(32)
    this.trustedHeader = options.trustedHeader?.toLowerCase()
  }

  /** The principal of a request with these headers. */
  resolve(headers: IncomingHttpHeaders): string {
    if (this.trustedHeader !== undefined) {
      const value = headers[this.trustedHeader]
      const name = Array.isArray(value) ? value[0] : value
      if (name) return `h.${name}`
    }
    const authorization = headers['authorization']
    const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization)
    if (match) return `t.${createHmac('sha256', this.secret).update(match[1] as string).digest('base64url').slice(0, 32)}`
    return 'anonymous'
  }
}
