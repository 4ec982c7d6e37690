import { createHash } from 'node:crypto'
import type { Cache } from '../../cache/cache.js'
import { errorMessage } from '../../errors.js'
import type { CacheLogger } from '../../log/logger.js'
import { redactorFor, secretsOfUrl, upstreamDisplayName } from '../../log/redact.js'
import { ToolStats } from '../../stats/tool-stats.js'
import type { GatewayTracer } from '../../telemetry/mcp-spans.js'
import type { GatewayConfig } from '../gateway-config.js'
import type { MessageChannel } from '../transports/channel.js'
import type { AuditEvent, GatewayContext } from './context.js'
import { InvalidationPlan, invalidateTools } from './invalidation.js'
import { GatewaySession } from './session.js'

/** What identifies an upstream: the same server (command and args, or URL) shares cache entries across restarts. */
export interface UpstreamIdentity {
  /** A stable description: `stdio:node server.js --flag` or `http://127.0.0.1:3000/mcp`. */
  readonly identity: string
  /** What clients see in errors (`--upstream-name`). @default the URL's origin, or the stdio program */
  readonly name?: string | undefined
}

/**
 * A caching gateway in front of one upstream server. Sessions (one per client
 * connection) share its cache namespace and its in-flight calls.
 */
export class Gateway {
  readonly context: GatewayContext

  constructor(config: GatewayConfig, cache: Cache, upstream: UpstreamIdentity, logger?: CacheLogger, audit?: (event: AuditEvent) => void, tracer?: GatewayTracer) {
    const name = upstreamDisplayName(upstream.identity, upstream.name)
    const redact = redactorFor(upstream.identity.startsWith('stdio:') ? [] : secretsOfUrl(upstream.identity))
    // Hashed, so no argument or URL of the upstream (possibly secret) appears in keys.
    const id = createHash('sha256').update(upstream.identity).digest('base64url').slice(0, 12)
    const reason = (error: unknown) => redact(errorMessage(error))
    this.context = { config, invalidation: new InvalidationPlan(config), upstreamCache: cache.namespace(`up.${id}`), upstreamName: name, redact, reason, flights: new Map(), logger, audit, toolStats: new ToolStats(toolCosts(config), config.costUnit), tracer }
  }

  /** Drops the cached results of these tools, for every principal; resolves false when the store refused (the drop is retried). */
  invalidateTools(tools: readonly string[]): Promise<boolean> {
    return invalidateTools(this.context.upstreamCache, tools, 'admin API')
  }

  /**
   * Connects a client channel to an upstream channel for `principal` and
   * starts forwarding. Without a principal (a caller with no credentials),
   * user-scoped results are neither read nor stored; without a tenant (from a
   * verified JWT), tenant-scoped ones.
   */
  async connect(downstream: MessageChannel, upstream: MessageChannel, principal: string | undefined, tenant?: string): Promise<GatewaySession> {
    const session = new GatewaySession(this.context, downstream, upstream, principal, tenant)
    await session.start()
    return session
  }
}

/** The price of one upstream call of each tool whose rule names one. */
function toolCosts(config: GatewayConfig): Map<string, number> {
  return new Map(Object.entries(config.tools).flatMap(([tool, rule]) => (rule.cost === undefined ? [] : [[tool, rule.cost] as const])))
}
