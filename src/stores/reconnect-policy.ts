import { parseDuration } from '../config/duration.js'
import { CacheError, ConfigError, errors } from '../errors.js'
import { backoffDelay } from '../resilience/backoff.js'
import type { RedisConnectionOptions } from './redis-connection.js'

/**
 * The end of a connection's retries (`redis.reconnect.maxAttempts`). Returned to node-redis
 * from its reconnect strategy it closes the client; the store then stops trying for good.
 */
export class ReconnectGaveUp extends CacheError {
  constructor(readonly attempts: number) {
    super(
      errors.E_STORE_UNAVAILABLE,
      `gave up reconnecting to redis after ${attempts} attempts in a row (redis.reconnect.maxAttempts, REDIS_RETRY_MAX_ATTEMPTS); ` +
        'every call goes to the origin until the process restarts',
    )
    this.name = 'ReconnectGaveUp'
  }
}

/**
 * How the connections of one store retry: exponential, jittered backoff between `base` and
 * `max`, and, when `maxAttempts` is set, a give-up that is final for the store (the seed's
 * "2 s, 4 s, 8 s ..., at most 10 attempts"). By default it never stops: an outage ends, and
 * the cache should be back when it does.
 */
export class ReconnectPolicy {
  private readonly baseMs: number
  private readonly maxMs: number
  private readonly maxAttempts: number
  /** Failed attempts since a connection was last seen ready, over every connection of the store. */
  private failures = 0
  /** Set once the attempts ran out: final. */
  gaveUp: ReconnectGaveUp | undefined

  constructor(
    options: RedisConnectionOptions,
    private readonly onGiveUp: (error: ReconnectGaveUp) => void,
  ) {
    const maxAttempts = options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY
    if (!(maxAttempts >= 1) || (Number.isFinite(maxAttempts) && !Number.isInteger(maxAttempts))) {
      throw new ConfigError(`redis.reconnect.maxAttempts must be a whole number of at least 1, or Infinity to never stop (got ${String(maxAttempts)})`)
    }
    // A cluster's or sentinel group's node clients come and go as node-redis rediscovers them:
    // one count over all of them would give up on a blip, or never. One server only.
    if (Number.isFinite(maxAttempts) && (options.nodes !== undefined || options.sentinels !== undefined)) {
      throw new ConfigError('redis.reconnect.maxAttempts (REDIS_RETRY_MAX_ATTEMPTS) works with one Redis server; a Cluster or Sentinel keeps reconnecting as it rediscovers its nodes')
    }
    this.maxAttempts = maxAttempts
    this.baseMs = parseDuration(options.reconnect?.base ?? 50, 'redis.reconnect.base', 'timer')
    this.maxMs = parseDuration(options.reconnect?.max ?? 2000, 'redis.reconnect.max', 'timer')
    if (this.baseMs > this.maxMs) {
      throw new ConfigError(`redis.reconnect.base (${this.baseMs} ms) is longer than redis.reconnect.max (${this.maxMs} ms): raise max (REDIS_RETRY_MAX_DELAY) too`)
    }
  }

  /**
   * The delay before the next attempt, or the error that ends the retries. Counted here, not
   * by node-redis's per-client counter, so a connection the health monitor replaces (or a
   * cluster's many clients) cannot start the count over.
   */
  next(): number | ReconnectGaveUp {
    if (this.gaveUp !== undefined) return this.gaveUp
    const attempt = this.failures++
    if (attempt < this.maxAttempts) return backoffDelay(attempt, { baseMs: this.baseMs, maxMs: this.maxMs })
    this.gaveUp = new ReconnectGaveUp(attempt)
    this.onGiveUp(this.gaveUp)
    return this.gaveUp
  }

  /** A connection was seen ready: the next failure starts a new count. */
  succeeded(): void {
    this.failures = 0
  }

  /** node-redis's `reconnectStrategy`, bound to this policy. */
  readonly strategy = (): number | Error => this.next()
}
