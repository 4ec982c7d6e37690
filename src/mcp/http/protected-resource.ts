import { limitedFetch } from '../transports/limited-fetch.js'

/** The well-known path of OAuth protected resource metadata (RFC 9728). */
export const METADATA_PATH = '/.well-known/oauth-protected-resource'
/** Largest metadata document taken from the upstream. */
const MAX_METADATA_BYTES = 64 * 1024
/** How long the upstream's document is reused. */
const REUSE_MS = 60_000
/** Longest wait for the upstream's document. */
const FETCH_TIMEOUT_MS = 10_000

/** An HTTP answer the gateway writes: status and JSON body. */
export interface MetadataAnswer {
  readonly status: number
  readonly body: Record<string, unknown>
}

/**
 * The gateway's OAuth protected resource metadata (RFC 9728). A client only
 * ever talks to the gateway: it must be told that the resource it asks a
 * token for is the gateway's public URL (the SDK client refuses metadata
 * naming another origin), and where to read that metadata. In front of an
 * OAuth-protected upstream, everything else (authorization servers, scopes)
 * is the upstream's; verifying tokens itself (JWT mode), the gateway names
 * its configured issuer.
 */
export class ProtectedResource {
  private readonly upstream: URL | undefined
  /** Where the upstream's last challenge said its metadata is (only on the upstream's own origin). */
  private announced: URL | undefined
  /** The document, or undefined for an upstream that publishes none (remembered too). */
  private document: { readonly body: Record<string, unknown> | undefined; readonly until: number } | undefined
  private loading: Promise<Record<string, unknown> | undefined> | undefined

  private constructor(upstreamUrl: string | undefined, issuer: string | undefined) {
    if (upstreamUrl !== undefined) {
      this.upstream = new URL(upstreamUrl)
      this.upstream.username = ''
      this.upstream.password = ''
    }
    if (issuer !== undefined) this.document = { body: { authorization_servers: [issuer], bearer_methods_supported: ['header'] }, until: Infinity }
  }

  /** The metadata of an OAuth-protected upstream, passed on. */
  static ofUpstream(upstreamUrl: string): ProtectedResource {
    return new ProtectedResource(upstreamUrl, undefined)
  }

  /** The gateway's own metadata, as the resource server of `issuer`'s tokens. */
  static ofIssuer(issuer: string): ProtectedResource {
    return new ProtectedResource(undefined, issuer)
  }

  /** True for a path this answers: the metadata's root form or a path-suffixed one. */
  static serves(path: string): boolean {
    return path === METADATA_PATH || path.startsWith(`${METADATA_PATH}/`)
  }

  /** Where a client reads the gateway's metadata: the well-known path put in front of the public URL's path. */
  static urlFor(publicUrl: URL): string {
    const suffix = publicUrl.pathname === '/' ? '' : publicUrl.pathname
    return `${publicUrl.origin}${METADATA_PATH}${suffix}`
  }

  /**
   * A bearer challenge (the upstream's, or the gateway's own) with its
   * `resource_metadata` pointing at the gateway, added where it was missing.
   * The upstream's URL is remembered, to fetch its metadata from.
   */
  challenge(challenge: string, publicUrl: URL): string {
    const ours = `"${ProtectedResource.urlFor(publicUrl)}"`
    let found = false
    const pointed = challenge.replace(/(\bresource_metadata=)(?:"([^"]*)"|([^\s,]+))/i, (_match, name: string, quoted?: string, bare?: string) => {
      found = true
      const announced = URL.canParse(quoted ?? bare ?? '') ? new URL(quoted ?? bare ?? '') : undefined
      if (announced !== undefined && announced.origin === this.upstream?.origin) this.announced = announced
      return `${name}${ours}`
    })
    if (found) return pointed
    const bearer = /^(Bearer|DPoP)(?:\s+(.*))?$/is.exec(challenge.trim())
    return bearer === null ? challenge : `${bearer[1]} resource_metadata=${ours}${bearer[2] ? `, ${bearer[2]}` : ''}`
  }

  /** The metadata answer for a client of the gateway at `publicUrl`. */
  async answer(publicUrl: URL): Promise<MetadataAnswer> {
    let body: Record<string, unknown> | undefined
    try {
      body = await this.upstreamDocument()
    } catch {
      return { status: 502, body: { error: 'temporarily_unavailable', error_description: 'the upstream\'s protected resource metadata could not be read; retry' } }
    }
    if (body === undefined) return { status: 404, body: { error: 'not_found', error_description: 'the upstream publishes no OAuth protected resource metadata' } }
    return { status: 200, body: { ...body, resource: publicUrl.href } }
  }

  private async upstreamDocument(): Promise<Record<string, unknown> | undefined> {
    if (this.document !== undefined && this.document.until > Date.now()) return this.document.body
    // One fetch at a time, whatever the number of clients asking.
    this.loading ??= this.fetchDocument().finally(() => (this.loading = undefined))
    return this.loading
  }

  /** The first document found: where the upstream's challenge pointed, its path-suffixed well-known URL, its root one. */
  private async fetchDocument(): Promise<Record<string, unknown> | undefined> {
    if (this.upstream === undefined) return undefined
    const candidates = new Set([this.announced?.href, ProtectedResource.urlFor(this.upstream), `${this.upstream.origin}${METADATA_PATH}`].filter((url) => url !== undefined))
    const fetchLimited = limitedFetch(MAX_METADATA_BYTES, () => undefined)
    for (const url of candidates) {
      const response = await fetchLimited(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' })
      if (response.status === 404) {
        await response.body?.cancel()
        continue
      }
      if (!response.ok) {
        await response.body?.cancel()
        throw new Error(`HTTP ${response.status}`)
      }
      const body = (await response.json()) as unknown
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not a JSON object')
      this.document = { body: body as Record<string, unknown>, until: Date.now() + REUSE_MS }
      return this.document.body
    }
    this.document = { body: undefined, until: Date.now() + REUSE_MS }
    return undefined
  }
}
