/** What `proxy` and `serve` set up alike: their shared options, cache options and the admin API. */
import { createAdminApp } from '../admin/admin-app.js'
import { startAdminServer } from '../admin/start-admin-server.js'
import type { Cache } from '../cache/cache.js'
import type { StoreCliOptions } from './store-flags.js'
import type { CacheLogger } from '../log/logger.js'
import type { Gateway } from '../mcp/gateway/create-gateway.js'

/** Options shared by `proxy` and `serve`. */
export interface GatewayCliOptions extends StoreCliOptions {
  /** Serve the admin API on this port (off when absent). */
  readonly adminPort?: number
  /** Address of the admin API. @default '127.0.0.1' */
  readonly adminHost?: string
  /** Append an audit line per tools/call (hashed principal and key, tool, status) to this file. */
  readonly auditLog?: string
  /** What clients see of the upstream in errors. @default the URL's origin, or the stdio program */
  readonly upstreamName?: string
  /** Honour X-Forwarded-For in the admin API's rate limits (only behind a proxy you run). */
  readonly trustProxy?: boolean
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
    toolSavings: () => gateway.context.toolStats.totals(),
    upstream: gateway.context.upstreamName,
    trustProxy: options.trustProxy === true,
    logger,
  })
  const host = options.adminHost ?? '127.0.0.1'
  const admin = await startAdminServer(app, options.adminPort, host).catch((error: unknown) => Promise.reject(portError(error, host, options.adminPort ?? 0, '--admin-port')))
  if (process.env['MCP_CACHE_ADMIN_TOKEN'] === undefined) logger.warn('mcp-cache: admin API without MCP_CACHE_ADMIN_TOKEN answers only /health')
  const url = `http://${admin.address.address}:${admin.address.port}`
  logger.info({ url }, `mcp-cache: admin API on ${url}`)
  announce?.(url)
  return admin.close
}

/** A listen failure as one line that names the address and the flag to change. */
export function portError(error: unknown, host: string, port: number, flag: string): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') return new Error(`${host}:${port} is in use (EADDRINUSE): stop what holds it, or pick another port with ${flag}`, { cause: error })
  if (code === 'EACCES') return new Error(`${host}:${port} may not be opened by this user (EACCES): pick a port above 1023 with ${flag}`, { cause: error })
  if (code === 'EADDRNOTAVAIL') return new Error(`${host} is not an address of this machine (EADDRNOTAVAIL): check ${flag === '--admin-port' ? '--admin-host' : '--host'}`, { cause: error })
  return error instanceof Error ? error : new Error(String(error))
}
