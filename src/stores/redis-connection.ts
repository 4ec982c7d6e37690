import type { RedisClientType } from 'redis'
import { parseDuration, type Duration } from '../config/duration.js'
import { redactUrl } from '../log/redact.js'
import { backoffDelay } from '../resilience/backoff.js'

/** TLS settings for `rediss://` URLs (a private CA, client certificates). */
export interface RedisTlsOptions {
  /** CA certificate(s) in PEM that signed the server's certificate. */
  readonly ca?: string | Buffer
  /** Client certificate in PEM, for servers that require one. */
  readonly cert?: string | Buffer
  /** Client private key in PEM. */
  readonly key?: string | Buffer
  /** Server name to verify, when it differs from the URL host. */
  readonly servername?: string
  /** Verify the server certificate. Turn off only for local experiments. @default true */
  readonly rejectUnauthorized?: boolean
}

/** How to reach Redis. The URL carries user, password and db: `rediss://user:pass@host:6380/0`. */
export interface RedisConnectionOptions {
  /** @default 'redis://localhost:6379/0' */
  readonly url?: string
  /** TLS settings; TLS itself is on when the URL is `rediss://`. */
  readonly tls?: RedisTlsOptions
  /** Longest wait for one TCP/TLS connect. @default '2s' */
  readonly connectTimeout?: Duration
  /** First and longest reconnect delay (exponential, jittered). @default { base: '50ms', max: '2s' } */
  readonly reconnect?: { readonly base?: Duration; readonly max?: Duration }
  /** Name shown by `CLIENT LIST`. @default 'mcp-cache' */
  readonly clientName?: string
}

/** The client type we use: commands go through `sendCommand`, replies keep Buffers. */
export type RawRedisClient = RedisClientType

/** The default URL, the seeds' `redis://localhost:6379/0`. */
export const DEFAULT_REDIS_URL = 'redis://localhost:6379/0'

/**
 * Creates and connects a node-redis client that never queues commands while
 * disconnected (they fail at once, so callers fall back to the origin) and
 * reconnects forever with capped, jittered backoff. Connection errors go to
 * `onError`; the returned client is usable as soon as `isReady` is true.
 */
export async function connectRedis(options: RedisConnectionOptions, onError: (error: unknown) => void): Promise<RawRedisClient> {
  const { createClient } = await import('redis')
  const url = options.url ?? DEFAULT_REDIS_URL
  const baseMs = parseDuration(options.reconnect?.base ?? 50, 'redis.reconnect.base')
  const maxMs = parseDuration(options.reconnect?.max ?? 2000, 'redis.reconnect.max')
  const tls = url.startsWith('rediss://') ? { tls: true as const, ...options.tls } : {}
  const client = createClient({
    url,
    name: options.clientName ?? 'mcp-cache',
    disableOfflineQueue: true,
    // No per-command timer of the client's own: every call is bounded by our operation timeout
    // already, and its default made an AbortSignal per command (about 9% of a miss, measured).
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: parseDuration(options.connectTimeout ?? 2000, 'redis.connectTimeout'),
      keepAlive: true,
      noDelay: true,
      // Never give up: an outage ends, and we want to be back when it does.
      reconnectStrategy: (retries: number) => backoffDelay(retries, { baseMs, maxMs }),
      ...tls,
    },
  }) as unknown as RawRedisClient
  client.on('error', onError)
  // connect() retries by itself until the first success; it rejects only on close.
  client.connect().catch((error: unknown) => {
    if (client.isOpen) onError(error)
  })
  return client
}

/** Closes a client without waiting on a frozen server: polite QUIT first, then destroy. */
export async function closeRedis(client: RawRedisClient, waitMs = 500): Promise<void> {
  if (!client.isOpen) return
  if (!client.isReady) {
    client.destroy()
    return
  }
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, waitMs)
  })
  await Promise.race([client.close().catch(() => undefined), deadline])
  clearTimeout(timer)
  if (client.isOpen) client.destroy()
}

/** The URL with its password replaced, for logs and health output. */
export function describeRedis(options: RedisConnectionOptions): string {
  return redactUrl(options.url ?? DEFAULT_REDIS_URL)
}
