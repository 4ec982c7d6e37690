import type { AddressInfo } from 'node:net'
import { createCache } from '../cache/create-cache.js'
import { parseDuration } from '../config/duration.js'
import { createAuditLog, createDefaultLogger } from '../log/logger.js'
import { redactorFor, redactSecrets, secretsOfUrl } from '../log/redact.js'
import { loadGatewayConfig } from '../mcp/gateway-config.js'
import { Gateway } from '../mcp/gateway/create-gateway.js'
import { startTracing } from '../telemetry/start-tracing.js'
import { packageVersion } from '../version.js'
import { HttpGateway } from '../mcp/http/http-gateway.js'
import type { JwtOptions } from '../mcp/jwt-verifier.js'
import { PrincipalResolver } from '../mcp/principal.js'
import { ChildProcessChannel } from '../mcp/transports/child-process.js'
import { CrashBackoff } from '../mcp/transports/crash-backoff.js'
import { httpUpstream } from '../mcp/transports/http-upstream.js'
import { portError, startAdminFor, type GatewayCliOptions } from './gateway-setup.js'
import { cacheOptionsFor } from './store-flags.js'
import { keepServingOnStrayErrors } from './last-resort.js'

/** Options of `mcp-cache serve`. */
export interface ServeOptions extends GatewayCliOptions {
  readonly host: string
  readonly port: number
  readonly upstream?: string
  readonly principalHeader?: string
  /** Headers that carry credentials besides Authorization (`--credential-header x-api-key`). */
  readonly credentialHeader?: string[]
  readonly jwtJwksUrl?: string
  readonly jwtIssuer?: string
  readonly jwtAudience?: string
  readonly jwtPrincipalClaim?: string
  readonly publicUrl?: string
  /** A duration ('60s'). */
  readonly acceptedCredentialTtl: string
  readonly maxSessions?: number
  readonly maxSessionsPerPrincipal: number
  readonly allowedHost?: string[]
}

/**
 * `mcp-cache serve`: Streamable HTTP at /mcp in front of an HTTP upstream
 * (`--upstream URL`) or a stdio server (`-- command args`), until SIGTERM/SIGINT.
 */
export async function runServe(command: string | undefined, args: readonly string[], options: ServeOptions): Promise<number> {
  if ((options.upstream === undefined) === (command === undefined)) {
    throw new Error('give exactly one upstream: --upstream http://host:port/mcp, or -- <command> [args...] for a stdio server')
  }
  if (options.upstream !== undefined && !(/^https?:\/\//i.test(options.upstream) && URL.canParse(options.upstream))) {
    throw new Error(`--upstream must be the http(s) URL of a Streamable HTTP MCP server, e.g. http://127.0.0.1:3000/mcp (got '${redactSecrets(options.upstream)}'); for a stdio server, give its command after --`)
  }
  const config = loadGatewayConfig(options.config)
  const jwt = jwtOptionsOf(options, config.auth?.jwt)
  if (jwt.jwt !== undefined && options.principalHeader !== undefined) {
    throw new Error('--principal-header and JWT verification both name the caller: keep one (the header of a proxy you run, or the verified token)')
  }
  if (options.publicUrl !== undefined && !/^https?:\/\/[^/]/.test(options.publicUrl)) {
    throw new Error(`--public-url must be the http(s) URL clients reach this gateway's /mcp at, e.g. https://mcp.example.com/mcp (got '${options.publicUrl}')`)
  }
  const acceptedCredentialTtlMs = parseDuration(options.acceptedCredentialTtl, '--accepted-credential-ttl', 'timer')
  if (acceptedCredentialTtlMs === 0) {
    throw new Error("--accepted-credential-ttl must be more than 0: it is how long the upstream's acceptance of a caller's credentials is trusted (e.g. 60s)")
  }
  // The upstream URL may carry a token in its query or user info: no log line may show it.
  const redact = redactorFor(options.upstream === undefined ? [] : secretsOfUrl(options.upstream))
  const logger = createDefaultLogger(process.env['LOG_LEVEL'] ?? 'warn', redact)
  // Traces only when the OpenTelemetry environment asks for them (OTEL_EXPORTER_OTLP_ENDPOINT ...).
  // First: a wrong OTEL_* setting stops the start before anything (a Redis connection) is open.
  const tracing = await startTracing(packageVersion)
  const releaseGuard = keepServingOnStrayErrors(logger, redact)
  const cache = createCache({ ...cacheOptionsFor(options, config.cache), logger })
  const identity = options.upstream ?? `stdio:${[command, ...args].join(' ')}`
  const stopTracing = (): Promise<void> => tracing?.shutdown().catch((error: unknown) => logger.warn({ err: redact(String(error)) }, 'mcp-cache: could not export the last spans')) ?? Promise.resolve()
  const gateway = new Gateway(config, cache, { identity, name: options.upstreamName }, logger, options.auditLog === undefined ? undefined : createAuditLog(options.auditLog), tracing?.tracer)
  const upstreamUrl = options.upstream
  const restarts = new CrashBackoff()
  const principals = new PrincipalResolver({
    secret: process.env['MCP_CACHE_SECRET'],
    trustedHeader: options.principalHeader,
    credentialHeaders: options.credentialHeader ?? [],
    ...jwt,
  })
  const http = new HttpGateway(gateway, {
    host: options.host,
    port: options.port,
    // Measured by `npm run bench:sessions`: a session in front of an HTTP upstream holds about 0.2 MB,
    // one in front of a stdio server a child process of about 70 MB.
    maxSessions: options.maxSessions ?? (upstreamUrl === undefined ? 16 : 1000),
    maxSessionsPerPrincipal: options.maxSessionsPerPrincipal,
    ...(upstreamUrl === undefined ? {} : { upstreamUrl }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    ...(jwt.jwt === undefined ? {} : { authorizationServer: jwt.jwt.issuer }),
    // A verified token needs no upstream's word; a stdio upstream checks nothing.
    acceptedCredentialTtlMs: upstreamUrl === undefined || jwt.jwt !== undefined ? 0 : acceptedCredentialTtlMs,
    limits: { maxMessageBytes: config.maxMessageBytes, maxParamsDepth: config.maxParamsDepth },
    allowedHosts: options.allowedHost ?? [],
    principals,
    logger,
    connectUpstream: (headers) =>
      upstreamUrl !== undefined
        ? httpUpstream(upstreamUrl, principals.credentialsOf(headers), config.maxUpstreamMessageBytes)
        : restarts.start(() => new ChildProcessChannel({ command: command as string, args }, config.maxUpstreamMessageBytes)),
  })
  // The seeds' wait-for-redis: give Redis up to REDIS_TIMEOUT to answer, then serve degraded.
  if (cache.storeKind !== 'memory' && !(await cache.ready())) {
    logger.warn('mcp-cache: Redis did not answer within the startup wait (REDIS_TIMEOUT); serving from the origin until it does')
  }
  // Both ports, or neither: a process that cannot serve must not keep the other port (or Redis) held.
  let stopAdmin: () => Promise<void>
  let address: AddressInfo
  try {
    address = await http.listen().catch((error: unknown) => Promise.reject(portError(error, options.host, options.port, '--port')))
    stopAdmin = await startAdminFor(options, cache, gateway, logger, (url) => console.log(`mcp-cache admin ${url}`))
  } catch (error) {
    await http.close(0)
    await cache.close()
    await stopTracing()
    releaseGuard()
    throw error
  }
  // The one line on stdout: where to connect (tests and scripts read it).
  console.log(`mcp-cache serving http://${address.address}:${address.port}/mcp -> ${gateway.context.upstreamName}`)
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  logger.info('mcp-cache: shutting down: finishing calls in flight')
  await http.close()
  await stopAdmin()
  await cache.close()
  await stopTracing()
  releaseGuard()
  return 0
}

/** JWT verification from the flags, over the config's `auth.jwt`; none when neither asks for it. */
function jwtOptionsOf(options: ServeOptions, configured: JwtOptions | undefined): { jwt?: JwtOptions } {
  const flags = { jwksUrl: options.jwtJwksUrl, issuer: options.jwtIssuer, audience: options.jwtAudience, principalClaim: options.jwtPrincipalClaim }
  if (Object.values(flags).every((value) => value === undefined)) return configured === undefined ? {} : { jwt: configured }
  const jwksUrl = flags.jwksUrl ?? configured?.jwksUrl
  const issuer = flags.issuer ?? configured?.issuer
  const audience = flags.audience ?? configured?.audience
  if (jwksUrl === undefined || issuer === undefined || audience === undefined) {
    throw new Error('JWT verification needs --jwt-jwks-url, --jwt-issuer and --jwt-audience (or auth.jwt in the config)')
  }
  if (!URL.canParse(jwksUrl)) throw new Error(`--jwt-jwks-url must be the URL of the authorization server's JWKS (got '${jwksUrl}')`)
  const principalClaim = flags.principalClaim ?? configured?.principalClaim
  const tenantClaim = configured?.tenantClaim
  return { jwt: { jwksUrl, issuer, audience, ...(principalClaim === undefined ? {} : { principalClaim }), ...(tenantClaim === undefined ? {} : { tenantClaim }) } }
}
