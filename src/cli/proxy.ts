import { createCache } from '../cache/create-cache.js'
import { createAuditLog, createDefaultLogger } from '../log/logger.js'
import { redactSecrets } from '../log/redact.js'
import { loadGatewayConfig } from '../mcp/gateway-config.js'
import { Gateway } from '../mcp/gateway/create-gateway.js'
import { ChildProcessChannel } from '../mcp/transports/child-process.js'
import { LineChannel } from '../mcp/transports/line-channel.js'
import { startAdminFor, type GatewayCliOptions } from './gateway-setup.js'
import { cacheOptionsFor } from './store-flags.js'
import { packageVersion } from '../version.js'
import { startTracing } from '../telemetry/start-tracing.js'
import { keepServingOnStrayErrors } from './last-resort.js'

/** Options of `mcp-cache proxy`. */
export interface ProxyOptions extends GatewayCliOptions {
  readonly principal?: string
}

/**
 * `mcp-cache proxy -- <command> [args...]`: speaks MCP on stdin/stdout, runs the
 * upstream as a child over stdio, and caches what the policy allows. Exits when
 * the client closes stdin or the upstream exits.
 */
export async function runProxy(command: string, args: readonly string[], options: ProxyOptions): Promise<number> {
  const config = loadGatewayConfig(options.config)
  if (config.auth?.jwt !== undefined) {
    // Silently skipping a security setting would be worse than refusing it.
    throw new Error('auth.jwt is for `serve`, whose HTTP callers bring tokens; `proxy` serves one local client over stdio, which has none: remove auth.jwt from this config, or run `serve`')
  }
  const logger = createDefaultLogger()
  // Traces only when the OpenTelemetry environment asks for them (OTEL_EXPORTER_OTLP_ENDPOINT ...).
  // First: a wrong OTEL_* setting stops the start before anything (a Redis connection) is open.
  const tracing = await startTracing(packageVersion)
  const cache = createCache({ ...cacheOptionsFor(options, config.cache), logger })
  const principal = options.principal ?? process.env['MCP_CACHE_PRINCIPAL'] ?? 'local'
  const releaseGuard = keepServingOnStrayErrors(logger, redactSecrets)
  const gateway = new Gateway(config, cache, { identity: `stdio:${[command, ...args].join(' ')}`, name: options.upstreamName }, logger, options.auditLog === undefined ? undefined : createAuditLog(options.auditLog), tracing?.tracer)
  const upstream = new ChildProcessChannel({ command, args }, config.maxUpstreamMessageBytes)
  const downstream = new LineChannel(process.stdin, process.stdout, { maxMessageBytes: config.maxMessageBytes, maxParamsDepth: config.maxParamsDepth, side: 'client' })
  const stopAdmin = await startAdminFor(options, cache, gateway, logger)
  const session = await gateway.connect(downstream, upstream, principal)
  const closed = new Promise<void>((resolve) => {
    session.onclose = resolve
  })
  // Graceful: let calls in flight finish (10 s at most), then close both sides.
  const stop = () => void session.drain(10_000).then(() => session.close())
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  await closed
  await stopAdmin()
  await cache.close()
  await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: redactSecrets(String(error)) }, 'mcp-cache: could not export the last spans'))
  releaseGuard()
  return upstream.exitDescription.startsWith('exited with code 0') || upstream.exitDescription === 'running' ? 0 : 1
}
