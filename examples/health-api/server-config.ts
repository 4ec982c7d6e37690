/** The example's own settings, read from the environment and validated (the cache reads its own variables). */
import * as z from 'zod'
import { describeIssues } from './request-schemas.js'

/** Settings of the HTTP server. */
export interface ServerConfig {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 8002 */
  readonly port: number
  /** How long each origin analysis takes, in ms, so hits are visibly faster. @default 300 */
  readonly analysisDelayMs: number
  /** Bearer token of the admin API; without it only its `/health` answers. */
  readonly adminToken: string | undefined
}

const whole = (max: number) => z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number)
  .refine((value) => value <= max, `must be at most ${max}`)

const envSchema = z.object({
  PORT: whole(65_535).default(8002),
  ANALYSIS_DELAY_MS: whole(60_000).default(300),
  MCP_CACHE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
})

/** Reads PORT, ANALYSIS_DELAY_MS and MCP_CACHE_ADMIN_TOKEN (or the seed's REDIS_API_KEY); throws a message naming the variable when one is wrong. */
export function readServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const parsed = envSchema.safeParse({
    PORT: env['PORT'] || undefined,
    ANALYSIS_DELAY_MS: env['ANALYSIS_DELAY_MS'] || undefined,
    // The seed's REDIS_API_KEY guards its /api/v1/redis endpoints: the admin token when none is set.
    MCP_CACHE_ADMIN_TOKEN: env['MCP_CACHE_ADMIN_TOKEN'] || env['REDIS_API_KEY'] || undefined,
  })
  if (!parsed.success) throw new Error(`invalid environment: ${describeIssues(parsed.error)}`)
  return { port: parsed.data.PORT, analysisDelayMs: parsed.data.ANALYSIS_DELAY_MS, adminToken: parsed.data.MCP_CACHE_ADMIN_TOKEN }
}
