import type { Cache } from '../../cache/cache.js'
import type { CacheLogger } from '../../log/logger.js'
import type { ToolStats } from '../../stats/tool-stats.js'
import type { GatewayTracer } from '../../telemetry/mcp-spans.js'
import type { GatewayConfig } from '../gateway-config.js'
import type { InvalidationPlan } from './invalidation.js'

/** What every session of one gateway shares. */
export interface GatewayContext {
  readonly config: GatewayConfig
  /** What each write drops and which generations each read's key carries, from the config's rules. */
  readonly invalidation: InvalidationPlan
  /** The cache namespace of this upstream: entries of different upstreams never meet. */
  readonly upstreamCache: Cache
  /** What clients and logs may see of the upstream: `--upstream-name`, or its URL's origin, or its program (never a URL with credentials or query). */
  readonly upstreamName: string
  /** Removes the upstream's URL, its credentials and query values, and every secret-looking pattern, from text a client or a log receives. */
  readonly redact: (text: string) => string
  /** The message of anything thrown, through {@link redact}: what a client or a log may be told of a failure. */
  readonly reason: (error: unknown) => string
  /** Callers waiting on each in-flight cacheable call, by store key. */
  readonly flights: Map<string, Flight>
  readonly logger: CacheLogger | undefined
  /** How each tool's calls were answered. */
  readonly toolStats: ToolStats
  /** Receives one event per tools/call, for the audit log of patient-data access. */
  readonly audit?: ((event: AuditEvent) => void) | undefined
  /** Starts the spans of requests; absent when tracing is off (nothing is traced, nothing costs). */
  readonly tracer?: GatewayTracer | undefined
}

/** One line of the audit log: who (hashed), which tool, which entry (hashed), how it was answered. Never arguments or results. */
export interface AuditEvent {
  readonly event: 'tool_call'
  readonly principal: string
  readonly tool: string
  readonly keyHash: string | undefined
  readonly status: string
  readonly ms: number
}

/** One upstream call that several identical client calls are waiting for. */
export interface Flight {
  waiters: number
  /** Cancels the upstream call; used when every waiter has cancelled. */
  cancel(): void
}
