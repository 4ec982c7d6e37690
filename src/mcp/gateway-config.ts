import { z } from 'zod'
import { durationMs, timerMs } from '../config/zod-types.js'
import { readConfigFile } from '../config/file.js'
import { configErrorFrom } from '../config/zod-errors.js'
import { parseTarget } from './invalidation-targets.js'

const duration = durationMs

const scope = z.enum(['user', 'tenant', 'shared'], { message: "must be 'user', 'tenant' (needs auth.jwt.tenantClaim) or 'shared'" })

/** `get_issue`, `get_issue{id}`, `get_patient{dfn=patient_id}`: checked here, so a typo fails at start. */
const invalidationTarget = z.string().superRefine((text, ctx) => {
  try {
    parseTarget(text)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
  }
})

const toolRule = z
  .object({
    cache: z.boolean().optional(),
    ttl: duration.optional(),
    scope: scope.optional(),
    keyArgs: z.array(z.string().min(1)).optional(),
    /** What a successful call drops; replaces the default (every data entry of the upstream). `[]`: nothing. */
    invalidates: z.array(invalidationTarget).optional(),
    dedupeWindow: duration.optional(),
    /** What one upstream call of the tool costs (in `costUnit`): each cached answer counts it as saved. */
    cost: z.number().nonnegative().finite().optional(),
  })
  .strict()

/** The gateway's caching policy, as written in its config file (durations parsed to ms). */
export const gatewayConfigSchema = z
  .object({
    defaults: z
      .object({
        ttl: duration.default(300_000),
        trustAnnotations: z.boolean().default(true),
        scope: scope.default('user'),
      })
      .strict()
      .default({ ttl: 300_000, trustAnnotations: true, scope: 'user' }),
    tools: z.record(z.string().min(1), toolRule).default({}),
    lists: z.object({ ttl: duration.default(300_000) }).strict().default({ ttl: 300_000 }),
    /** The unit of the tools' `cost` (shown beside the money saved). */
    costUnit: z.string().min(1).max(16).default('USD'),
    /** Adds `_meta["mcp-cache/status"]` and age to results. */
    statusMeta: z.boolean().default(true),
    /** Longest JSON-RPC message accepted from a client, in bytes. */
    maxMessageBytes: z.number().int().positive().default(4 * 1024 * 1024),
    /** Deepest nesting of a client message's params (params itself is level 1). */
    maxParamsDepth: z.number().int().positive().max(10_000).default(64),
    /** Longest message accepted from a stdio upstream, in bytes; a longer answer fails its request at once. */
    maxUpstreamMessageBytes: z.number().int().positive().default(64 * 1024 * 1024),
    /** How long an upstream request may take before the client gets an error naming the upstream. */
    upstreamTimeout: timerMs.default(300_000),
    /** The gateway as an OAuth resource server: it verifies bearer JWTs and names callers by issuer and subject. */
    auth: z
      .object({
        jwt: z
          .object({
            jwksUrl: z.url({ message: 'must be the URL of the authorization server\'s JWKS' }),
            issuer: z.string().min(1),
            audience: z.string().min(1),
            principalClaim: z.string().min(1).default('sub'),
            tenantClaim: z.string().min(1).optional(),
          })
          .strict(),
      })
      .strict()
      .optional(),
    /** Options of the cache itself (store, prefix, redis ...), as for createCache. */
    cache: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.auth?.jwt?.tenantClaim !== undefined) return
    const tenantScoped = [['defaults', 'scope', config.defaults.scope], ...Object.entries(config.tools).map(([tool, rule]) => ['tools', tool, rule.scope])].filter(([, , scope]) => scope === 'tenant')
    for (const [section, name] of tenantScoped) {
      ctx.addIssue({ code: 'custom', path: section === 'defaults' ? ['defaults', 'scope'] : ['tools', name as string, 'scope'], message: "'tenant' needs auth.jwt.tenantClaim: only a verified token can say which tenant a caller is in" })
    }
  })

/** The parsed gateway configuration. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>
/** One tool's rule, parsed. */
export type ToolRule = z.output<typeof toolRule>

/** Validates a gateway config object; the error lists every wrong field. */
export function parseGatewayConfig(input: unknown, source = 'gateway config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input ?? {})
  if (result.success) return result.data
  throw configErrorFrom(result.error, source)
}

/** Reads and validates a gateway config file (YAML or JSON); no path gives the defaults. */
export function loadGatewayConfig(path: string | undefined): GatewayConfig {
  return path === undefined ? parseGatewayConfig({}) : parseGatewayConfig(readConfigFile(path), `config file ${path}`)
}
