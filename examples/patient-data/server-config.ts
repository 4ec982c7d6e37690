/**
 * The example's own environment variables (the cache's — CACHE_BACKEND,
 * REDIS_URL, PATIENT_CACHE_TTL_MINUTES ... — are read by mcp-cache itself).
 */

/** Settings of the emulated VistA and of the caller binding. */
export interface ServerConfig {
  /** `VISTA_RPC_LATENCY_MS`: delay of every emulated RPC. @default 150 */
  readonly rpcLatencyMs: number
  /** `VISTA_DATA_SEED`: seed of the synthetic patients. @default 1 */
  readonly dataSeed: number
  /** `VISTA_USER_DUZ`: the user this process acts for; unset lets each request name one in `_meta`. */
  readonly processDuz: string | undefined
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name}=${raw} must be a whole number of 0 or more`)
  return value
}

/** Reads {@link ServerConfig} from `env`; throws naming the variable when one is malformed. */
export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    rpcLatencyMs: wholeNumber(env, 'VISTA_RPC_LATENCY_MS', 150),
    dataSeed: wholeNumber(env, 'VISTA_DATA_SEED', 1),
    processDuz: env['VISTA_USER_DUZ']?.trim() || undefined,
  }
}
