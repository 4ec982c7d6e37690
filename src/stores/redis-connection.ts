import type { Duration } from '../config/duration.js'

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

/**
 * How to reach Redis. The URL carries user, password and db: `rediss://user:pass@host:6380/0`.
 * With `nodes` it is a Redis Cluster, with `sentinels` a master found through Sentinel.
 */
export interface RedisConnectionOptions {
  /** One server, or with `sentinels` the credentials and db of the master. @default 'redis://localhost:6379/0' */
  readonly url?: string
  /** Seed nodes of a Redis Cluster (`redis://host:port`, credentials and TLS as in `url`); the rest are discovered. */
  readonly nodes?: readonly string[]
  /** Sentinels that know the master (`redis://host:26379`, with the sentinels' own credentials if any). */
  readonly sentinels?: readonly string[]
  /** With `sentinels`: the name the sentinels monitor the master under. @default 'mymaster' */
  readonly name?: string
  /** TLS settings; TLS itself is on when the URL is `rediss://`. */
  readonly tls?: RedisTlsOptions
  /** Longest wait for one TCP/TLS connect. @default '2s' */
  readonly connectTimeout?: Duration
  /**
   * First and longest reconnect delay (exponential, jittered), and how many attempts in a row
   * to make before giving up for good (the seeds' "at most 10 attempts"; a store that gave up
   * sends every call to the origin until the process restarts).
   * @default { base: '50ms', max: '2s', maxAttempts: Infinity } (never stop: an outage ends, and the cache is back when it does)
   */
  readonly reconnect?: { readonly base?: Duration; readonly max?: Duration; readonly maxAttempts?: number }
  /** Name shown by `CLIENT LIST`. @default 'mcp-cache' */
  readonly clientName?: string
}

/** The default URL, the seeds' `redis://localhost:6379/0`. */
export const DEFAULT_REDIS_URL = 'redis://localhost:6379/0'
