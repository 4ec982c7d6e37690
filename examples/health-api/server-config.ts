/** The example's own settings, read from the environment and validated (the cache reads its own variables). */
import { parseDuration } from 'mcp-cache'
import * as z from 'zod'
import { describeIssues } from './request-schemas.js'
import { DEFAULT_DRUG_INFO_MAX_AGE } from './seed-policy.js'

/** Settings of the HTTP server. */
export interface ServerConfig {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 8002 */
  readonly port: number
  /** How long each origin analysis takes, in ms, so hits are visibly faster. @default 300 */
  readonly analysisDelayMs: number
  /** Bearer token of the admin API (MCP_CACHE_ADMIN_TOKEN); without it only the open routes answer. */
  readonly adminToken: string | undefined
  /** JSON file of drug records laid over the built-in table (DRUG_SOURCE_FILE). */
  readonly drugSourceFile: string | undefined
  /** Longest a drug-info copy is served without fetching it again, in ms (DRUG_INFO_MAX_AGE). @default 7 days */
  readonly drugInfoMaxAgeMs: number
}

const whole = (max: number) => z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number)
  .refine((value) => value <= max, `must be at most ${max}`)

const duration = z.string().trim().transform((value, ctx) => {
  try {
    return parseDuration(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a duration with a unit, such as 12h, 7d or 30m' })
    return z.NEVER
  }
})

const envSchema = z.object({
  PORT: whole(65_535).default(8002),
  ANALYSIS_DELAY_MS: whole(60_000).default(300),
  MCP_CACHE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  DRUG_SOURCE_FILE: z.string().optional(),
  DRUG_INFO_MAX_AGE: duration.default(parseDuration(DEFAULT_DRUG_INFO_MAX_AGE)),
})

/**
 * Reads PORT, ANALYSIS_DELAY_MS, MCP_CACHE_ADMIN_TOKEN, DRUG_SOURCE_FILE and
 * DRUG_INFO_MAX_AGE; throws a message naming the variable when one is wrong.
 * (REDIS_API_KEY, the seed's Redis Cloud credential, is mcp-cache's to read: the Redis password.)
 */
export function readServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const parsed = envSchema.safeParse({
    PORT: env['PORT'] || undefined,
    ANALYSIS_DELAY_MS: env['ANALYSIS_DELAY_MS'] || undefined,
    MCP_CACHE_ADMIN_TOKEN: env['MCP_CACHE_ADMIN_TOKEN'] || undefined,
    DRUG_SOURCE_FILE: env['DRUG_SOURCE_FILE'] || undefined,
    DRUG_INFO_MAX_AGE: env['DRUG_INFO_MAX_AGE'] || undefined,
  })
  if (!parsed.success) throw new Error(`invalid environment: ${describeIssues(parsed.error)}`)
  const data = parsed.data
  return {
    port: data.PORT,
    analysisDelayMs: data.ANALYSIS_DELAY_MS,
    adminToken: data.MCP_CACHE_ADMIN_TOKEN,
    drugSourceFile: data.DRUG_SOURCE_FILE,
    drugInfoMaxAgeMs: data.DRUG_INFO_MAX_AGE,
  }
}
