import { z } from 'zod'
import { byteCount } from './zod-types.js'
import { parseDuration } from './duration.js'
import { configErrorFrom } from './zod-errors.js'

const duration = z.union([z.number(), z.string()]).superRefine((value, context) => {
  try {
    parseDuration(value)
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message.replace(/^duration /, '') })
  }
})

/** A TTL: a duration, or 'forever' (no expiry). */
const ttlDuration = z.union([z.literal('forever'), duration])

const byteSize = byteCount
const memoryLimits = {
  maxEntries: z.number().int().positive().optional(),
  maxBytes: byteSize.optional(),
  maxEntryBytes: byteSize.optional(),
}

const redisUrl = z
  .string()
  .regex(/^rediss?:\/\//, 'must start with redis:// or rediss:// (TLS)')
  .refine((value) => URL.canParse(value), 'is not a valid URL: percent-encode special characters in the password')

const pem = z.union([z.string(), z.instanceof(Buffer)])

function positiveDuration(value: string | number): boolean {
  try {
    return parseDuration(value) > 0
  } catch {
    return false // reported by the field's own check
  }
}

/** The shape of cache options as they arrive from a config file, the environment or code. */
export const cacheOptionsSchema = z
  .object({
    store: z
      .union([z.enum(['memory', 'redis', 'tiered', 'cluster', 'sentinel']), z.custom<object>((value) => typeof value === 'object' && value !== null && 'get' in value, 'a Store object')], {
        error: (issue) => `must be memory, redis, tiered, cluster or sentinel (or a Store object in code); got ${JSON.stringify(issue.input)}`,
      })
      .optional(),
    prefix: z.string().regex(/^[A-Za-z0-9_.-]*$/, "use one segment of letters, digits, '_', '.', '-' (no ':': a prefix must not lie inside another cache's space)").optional(),
    codec: z.enum(['envelope', 'json'], { error: (issue) => `must be envelope or json; got ${JSON.stringify(issue.input)}` }).optional(),
    defaultTtl: ttlDuration.optional(),
    ttl: z.record(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'category names use letters, digits, _ . -'), ttlDuration).optional(),
    grace: duration.optional(),
    jitter: z.number().min(0).lt(1).optional(),
    startupWait: duration.optional(),
    singleFlight: z.enum(['process', 'distributed']).optional(),
    lockTtl: duration.optional(),
    stats: z.boolean().optional(),
    logOperations: z.boolean().optional(),
    logger: z.any().optional(),
    tracing: z.union([z.boolean(), z.object({ tracerProvider: z.custom<object>((value) => typeof value === 'object' && value !== null && 'getTracer' in value, 'an OpenTelemetry TracerProvider') }).strict()]).optional(),
    memory: z.object(memoryLimits).strict().optional(),
    l1: z.object({ ...memoryLimits, maxTtl: duration.optional(), bus: z.boolean().optional(), heartbeat: duration.optional() }).strict().optional(),
    redis: z
      .object({
        url: redisUrl.optional(),
        nodes: z.array(redisUrl).min(1, 'list at least one seed node, e.g. ["redis://10.0.0.1:7000"]').optional(),
        sentinels: z.array(redisUrl).min(1, 'list at least one sentinel, e.g. ["redis://10.0.0.1:26379"]').optional(),
        name: z.string().min(1).optional(),
        operationTimeout: duration.optional(),
        connectTimeout: duration.optional(),
        healthCheckInterval: duration.optional(),
        maxEntryBytes: byteSize.optional(),
        compressThreshold: byteSize.optional(),
        clientName: z.string().optional(),
        reconnect: z
          .object({ base: duration.optional(), max: duration.optional(), maxAttempts: z.union([z.number().int().positive(), z.literal(Number.POSITIVE_INFINITY)]).optional() })
          .strict()
          .optional(),
        breaker: z.object({ failureThreshold: z.number().int().positive().optional(), openMs: z.number().int().positive().optional() }).strict().optional(),
        encryption: z
          .object({ keys: z.record(z.string(), z.union([z.string(), z.instanceof(Buffer)])), current: z.string(), allowPlaintext: z.boolean().optional() })
          .strict()
          .optional(),
        tls: z
          .object({ ca: pem.optional(), cert: pem.optional(), key: pem.optional(), servername: z.string().optional(), rejectUnauthorized: z.boolean().optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((options, context) => {
    const redis = options.redis
    if (options.prefix === '' && options.codec !== 'json') {
      context.addIssue({ code: 'custom', path: ['prefix'], message: "an empty prefix is for codec 'json' (keys shared with other programs); otherwise name one, or leave it out for the default 'mcp'" })
    }
    if (options.codec === 'json') {
      const why = "codec 'json' keeps plain JSON whose freshness is the key's Redis TTL"
      if (options.store === 'tiered') context.addIssue({ code: 'custom', path: ['store'], message: `${why}: use store redis (other programs' writes would never reach a tiered store's L1)` })
      if (redis?.encryption !== undefined) context.addIssue({ code: 'custom', path: ['redis', 'encryption'], message: `${why}, readable by other programs: encryption needs the default codec` })
      if (options.grace !== undefined && positiveDuration(options.grace)) context.addIssue({ code: 'custom', path: ['grace'], message: `${why}, with no room for grace: remove grace or use the default codec` })
    }
    if (redis?.nodes !== undefined && redis.sentinels !== undefined) {
      context.addIssue({ code: 'custom', path: ['redis', 'sentinels'], message: 'give redis.nodes (a Redis Cluster) or redis.sentinels (Sentinel), not both' })
    }
    const nodes = redis?.nodes ?? []
    if (nodes.some((node) => URL.canParse(node) && !['', '/', '/0'].includes(new URL(node).pathname))) {
      context.addIssue({ code: 'custom', path: ['redis', 'nodes'], message: 'a Redis Cluster has database 0 only: remove the /db from the node URLs' })
    }
    if (new Set(nodes.map((node) => node.slice(0, node.indexOf(':')))).size > 1) {
      context.addIssue({ code: 'custom', path: ['redis', 'nodes'], message: 'mixes redis:// and rediss://: every node of a cluster is reached the same way (TLS and credentials of the first)' })
    }
    if (options.store === 'cluster' && redis?.nodes === undefined) {
      context.addIssue({ code: 'custom', path: ['redis', 'nodes'], message: "store 'cluster' needs the seed nodes: redis.nodes = ['redis://host:port', ...] (or REDIS_CLUSTER_NODES)" })
    }
    if (options.store === 'sentinel' && redis?.sentinels === undefined) {
      context.addIssue({ code: 'custom', path: ['redis', 'sentinels'], message: "store 'sentinel' needs the sentinels: redis.sentinels = ['redis://host:26379', ...] (or REDIS_SENTINELS)" })
    }
  })

/**
 * Validates options and throws one ConfigError listing every problem as
 * `field: what is wrong`. `source` says where they came from (a file, the environment).
 */
export function validateOptions<T>(options: T, source = 'options'): T {
  const result = cacheOptionsSchema.safeParse(options)
  if (result.success) return result.data as T
  throw configErrorFrom(result.error, source)
}
