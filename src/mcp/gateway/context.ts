import type { Cache } from '../../cache/cache.js'
import type { CacheLogger } from '../../log/logger.js'
import type { GatewayConfig } from '../gateway-config.js'

/** What every session of one gateway shares. */
export interface GatewayContext {
  readonly config: GatewayConfig
  /** The cache namespace of this upstream: entries of different upstreams never meet. */
  readonly upstreamCache: Cache
  /** A name for the upstream that errors can show (command or URL, credentials removed). */
  readonly upstreamName: string
  /** Callers waiting on each in-flight cacheable call, by store key. */
  readonly flights: Map<string, Flight>
  readonly logger: CacheLogger | undefined
}

/** One upstream call that several identical client calls are waiting for. */
export interface Flight {
  waiters: number
  /** Cancels the upstream call; used when every waiter has cancelled. */
  cancel(): void
}
