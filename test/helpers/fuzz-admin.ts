/**
 * Generated requests for the admin API (src/admin/admin-app.ts): its routes with
 * random query strings, path segments and bodies, random paths and methods,
 * and every kind of Authorization header; plus the pacing that keeps them
 * under the API's rate limits most of the time.
 */
import fc from 'fast-check'
import { compact, valueText } from './fuzz-messages.js'

/** How a request authenticates. `right` variants differ only where RFC 6750 lets them (scheme case, spacing). */
export type AdminAuth = 'right' | 'wrong' | 'none' | 'malformed'

/** One generated admin request. */
export interface AdminRequest {
  readonly method: string
  /** Path and query, as sent (percent-encoded or not: `%zz` must reach the server as is). */
  readonly target: string
  readonly auth: AdminAuth
  readonly authorization: string | undefined
  readonly contentType: string | undefined
  readonly body: Buffer | undefined
  /** The query names `token` or `access_token`, which the API refuses as a failed authentication. */
  readonly queryToken: boolean
}

/** Largest body the admin API reads. */
export const ADMIN_MAX_BODY_BYTES = 64 * 1024

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']

/** Text for a query value or path segment: plausible values, glob syntax, unicode, and raw `%` that is no escape. */
function queryValue(plausible: fc.Arbitrary<string>): fc.Arbitrary<{ text: string; raw: boolean }> {
  return fc.oneof(
    { arbitrary: plausible.map((text) => ({ text, raw: false })), weight: 6 },
    { arbitrary: fc.string({ maxLength: 20 }).map((text) => ({ text, raw: false })), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((text) => ({ text, raw: false })), weight: 1 },
    { arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%00', '%FF%FE', '%%41', '+').map((text) => ({ text, raw: true })), weight: 1 },
  )
}

function encode(value: { text: string; raw: boolean }): string {
  return value.raw ? value.text : encodeURIComponent(value.text)
}

const digits = fc.oneof(fc.nat().map(String), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), fc.constantFrom('0', '1', '1000', '1001', '-1', '1e3', '0x10', ' 5', '', '18446744073709551615', '18446744073709551616', '99999.1', '12.34', 'a.b'))
const glob = fc.oneof(
  fc.constantFrom('*', '', 'call:*', '*:*', 'user:*:session', '[', '\\', '[a-', '*a*a*a*a*a*a*a*a*a*a*a*a*b', '?'.repeat(513), 'x'.repeat(512)),
  fc.array(fc.constantFrom('*', '?', '[', ']', '\\', '^', '-', 'a', ':', '.', '{', '}', '(', ')', '|', '+', '$'), { maxLength: 40 }).map((parts) => parts.join('')),
)

/** `?name=value&...` from optional parameters, some repeated. */
function query(params: ReadonlyArray<readonly [string, fc.Arbitrary<{ text: string; raw: boolean }>]>): fc.Arbitrary<string> {
  return fc
    .tuple(...params.map(([name, value]) => fc.array(value, { maxLength: 2 }).map((values) => values.map((one) => `${name}=${encode(one)}`))))
    .map((groups) => {
      const pairs = groups.flat()
      return pairs.length === 0 ? '' : `?${pairs.join('&')}`
    })
}

const segment = queryValue(fc.oneof(fc.constantFrom('call', 'user', 'list', 'tag', '..', '.', '', 'lookup_code', 'constructor', '__proto__'), fc.string({ maxLength: 12 })))

/** Paths of the API's routes, with random parts where the routes have parameters. */
const routeTarget = fc.oneof(
  fc.constantFrom('/health', '/health/ready', '/stats', '/performance', '/metrics', '/openapi.json', '/dashboard', '/dashboard/', '/dashboard/dashboard.js', '/dashboard/__proto__', '/dashboard/constructor', '/dashboard/vendor/uPlot.min.css', '/dashboard/../stats'),
  query([['count', queryValue(digits)], ['cursor', queryValue(digits)], ['pattern', queryValue(glob)]]).map((q) => `/keys${q}`),
  query([['limit', queryValue(digits)]]).map((q) => `/invalidations${q}`),
  query([['since', queryValue(fc.oneof(digits, fc.constant(String(Date.now()))))]]).map((q) => `/stats/series${q}`),
  fc.tuple(segment, segment, query([['sub_key', segment]])).map(([category, id, q]) => `/cache/${encode(category)}/${encode(id)}${q}`),
  segment.map((id) => `/session/${encode(id)}`),
  fc.constantFrom('/cache/clear-pattern', '/cache/invalidate'),
)

/** Paths no route has, some long, some with dot segments, doubled slashes or encoded slashes. */
const randomTarget = fc.oneof(
  fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.map(encode).join('/')}`),
  fc.constantFrom('/', '//stats', '/stats/', '/STATS', '/stats%2F', '/%2e%2e/stats', '/health/../stats', '/cache', '/cache/a', '/keys/', `/${'a'.repeat(10_000)}`, '/metrics?x=%zz'),
)

/** Bodies for the two POST routes: their shapes with random fields, any JSON, text that is not JSON, and (rarely) one over the size limit. */
const body = fc.oneof(
  { arbitrary: fc.record({ pattern: fc.oneof(glob, fc.string()), confirm: fc.option(fc.oneof(glob, fc.string()), { nil: undefined }) }, { requiredKeys: [] }).map((value) => JSON.stringify(value)), weight: 4 },
  {
    arbitrary: fc
      .record({ tags: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue()), tools: fc.oneof(fc.array(fc.constantFrom('lookup_code', 'get_record', '', 'x'), { maxLength: 3 }), fc.jsonValue()) }, { requiredKeys: [] })
      .map((value) => JSON.stringify(value)),
    weight: 4,
  },
  { arbitrary: valueText, weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.constantFrom(`{"pattern":"${'x'.repeat(ADMIN_MAX_BODY_BYTES)}"}`, `{"tags":["${'t'.repeat(ADMIN_MAX_BODY_BYTES - 13)}"]}`), weight: 1 },
)

/** An Authorization header of each kind (`token` is the right one). */
function authorization(token: string): fc.Arbitrary<{ auth: AdminAuth; header: string | undefined }> {
  return fc.oneof(
    // Mostly right: failed authentications are limited to 20 a second, so each costs pacing.
    { arbitrary: fc.constantFrom(`Bearer ${token}`, `bearer ${token}`, `BEARER   ${token}`).map((header) => ({ auth: 'right' as const, header })), weight: 30 },
    { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((t) => t !== token && /^\S+$/.test(t)).map((t) => ({ auth: 'wrong' as const, header: `Bearer ${t}` })), weight: 2 },
    { arbitrary: fc.constant({ auth: 'none' as const, header: undefined }), weight: 1 },
    { arbitrary: fc.constantFrom('Bearer', 'Bearer ', `Basic ${token}`, `Bearer ${token} extra`, `Bearer ${token}x`, `Bearer x${token}`, `Token ${token}`).map((header) => ({ auth: 'malformed' as const, header })), weight: 1 },
  )
}

/** One admin request: mostly a route with the method it serves, sometimes any method or path. */
export function adminRequest(token: string): fc.Arbitrary<AdminRequest> {
  const routed = routeTarget.chain((target) => fc.constantFrom(...(target.startsWith('/cache/clear-pattern') || target.startsWith('/cache/invalidate') ? ['POST'] : target.startsWith('/cache/') ? ['DELETE'] : ['GET'])).map((method) => ({ target, method })))
  const random = fc.record({ target: fc.oneof(routeTarget, randomTarget), method: fc.constantFrom(...METHODS) })
  return fc
    .record({
      route: fc.oneof({ arbitrary: routed, weight: 5 }, { arbitrary: random, weight: 1 }),
      auth: authorization(token),
      tokenInQuery: fc.oneof({ arbitrary: fc.constant(undefined), weight: 20 }, { arbitrary: fc.constantFrom('token', 'access_token'), weight: 1 }),
      contentType: fc.oneof({ arbitrary: fc.constant('application/json'), weight: 8 }, { arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data'), weight: 1 }),
      body,
    })
    .map(({ route, auth, tokenInQuery, contentType, body: text }) => {
      const separator = route.target.includes('?') ? '&' : '?'
      // A wrong token in the query, never the right one: the body check below must be able to tell a leak from an echo.
      const target = tokenInQuery === undefined ? route.target : `${route.target}${separator}${tokenInQuery}=not-the-token`
      const hasBody = route.method !== 'GET' && route.method !== 'HEAD'
      const request: AdminRequest = {
        method: route.method,
        target,
        auth: auth.auth,
        authorization: auth.header,
        contentType,
        body: hasBody ? Buffer.from(text) : undefined,
        queryToken: tokenInQuery !== undefined,
      }
      return Object.assign(request, { [fc.toStringMethod]: () => `${request.method} ${compact(target)} auth=${request.auth} body=${compact(text)}` })
    })
}

/** The path as the API's router sees it: percent-escapes decoded as `decodeURI` does, or as sent when they are not valid. */
export function routedPath(target: string): string {
  // Appended, as the request URL is built: resolved against a base, `//x` would name a host.
  const path = new URL(`http://127.0.0.1${target}`).pathname
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

/** True for the routes open without a token (liveness, the dashboard's static files). */
export function isOpenRoute(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && (path === '/health' || path === '/dashboard' || path.startsWith('/dashboard/'))
}

/**
 * Spaces requests out to stay under a requests-per-second limit (a token
 * bucket of one second's burst), one bucket per kind of request.
 */
export class Pacer {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(private readonly perSecond: Readonly<Record<string, number>>) {}

  /** Resolves when a request of `kind` may go. */
  async take(kind: string): Promise<void> {
    const rate = this.perSecond[kind]
    if (rate === undefined) return
    const bucket = this.buckets.get(kind) ?? { tokens: rate, at: Date.now() }
    this.buckets.set(kind, bucket)
    for (;;) {
      const now = Date.now()
      bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate)
      bucket.at = now
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - bucket.tokens) / rate) * 1000)))
    }
  }
}
