import { createAdminApp } from '../admin/admin-app.js'
import { startAdminServer } from '../admin/start-admin-server.js'
import type { Cache } from '../cache/cache.js'
import { createCache } from '../cache/create-cache.js'
import type { CacheOptions, StoreKind } from '../cache/options.js'
import { loadConfig, mergeOptions } from '../config/load-config.js'
import { validateOptions } from '../config/schema.js'
import { createAuditLog, createDefaultLogger, type CacheLogger } from '../log/logger.js'
import { loadGatewayConfig } from '../mcp/gateway-config.js'
import { Gateway } from '../mcp/gateway/create-gateway.js'
import { ChildProcessChannel } from '../mcp/transports/child-process.js'
import { LineChannel } from '../mcp/transports/line-channel.js'

/** Options shared by `proxy` and `serve`. */
export interface GatewayCliOptions {
  readonly config?: string
  readonly store?: StoreKind
  readonly redisUrl?: string
  /** Serve the admin API on this port (off when absent). */
  readonly adminPort?: number
  /** Address of the admin API. @default '127.0.0.1' */
  readonly adminHost?: string
  /** Append an audit line per tools/call (hashed principal and key, tool, status) to this file. */
  readonly auditLog?: string
}

/** Starts the admin API when `--admin-port` is given; returns how to stop it. */
export async function startAdminFor(
  options: GatewayCliOptions,
  cache: Cache,
  gateway: Gateway,
  logger: CacheLogger,
  announce?: (url: string) => void,
): Promise<() => Promise<void>> {
  if (options.adminPort === undefined) return async () => undefined
  const app = createAdminApp({
    cache,
    token: process.env['MCP_CACHE_ADMIN_TOKEN'],
    invalidateTools: (tools) => gateway.invalidateTools(tools),
    toolStats: () => gateway.context.toolStats.snapshot(),
  })
  const admin = await startAdminServer(app, options.adminPort, options.adminHost ?? '127.0.0.1')
  if (process.env['MCP_CACHE_ADMIN_TOKEN'] === undefined) logger.warn('mcp-cache: admin API without MCP_CACHE_ADMIN_TOKEN answers only /health')
  const url = `http://${admin.address.address}:${admin.address.port}`
  logger.info({ url }, `mcp-cache: admin API on ${url}`)
  announce?.(url)
  return admin.close
}

/** Options of `mcp-cache proxy`. */
export interface ProxyOptions extends GatewayCliOptions {
  readonly principal?: string
}

/** Cache options from the environment, then the config file's `cache:` section, then flags. */
export function cacheOptionsFor(options: GatewayCliOptions, fileCache: Record<string, unknown> | undefined): CacheOptions {
  let merged = mergeOptions(loadConfig(), validateOptions((fileCache ?? {}) as CacheOptions, 'cache section of the config file'))
  if (options.store !== undefined) merged = { ...merged, store: options.store }
  if (options.redisUrl !== undefined) merged = mergeOptions(merged, { redis: { url: options.redisUrl } })
  return merged
}

/**
 * `mcp-cache proxy -- <command> [args...]`: speaks MCP on stdin/stdout, runs the
 * upstream as a child over stdio, and caches what the policy allows. Exits when
 * the client closes stdin or the upstream exits.
 */
export async function runProxy(command: string, args: readonly string[], options: ProxyOptions): Promise<number> {
  const config = loadGatewayConfig(options.config)
  const logger = createDefaultLogger()
  const cache = createCache({ ...cacheOptionsFor(options, config.cache), logger })
  const principal = options.principal ?? process.env['MCP_CACHE_PRINCIPAL'] ?? 'local'
  const gateway = new Gateway(config, cache, { identity: `stdio:${[command, ...args].join(' ')}` }, logger, options.auditLog === undefined ? undefined : createAuditLog(options.auditLog))
  const upstream = new ChildProcessChannel({ command, args }, config.maxMessageBytes)
  const downstream = new LineChannel(process.stdin, process.stdout, config.maxMessageBytes)
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
  return upstream.exitDescription.startsWith('exited with code 0') || upstream.exitDescription === 'running' ? 0 : 1
}
