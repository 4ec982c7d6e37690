/**
 * The example's own settings, from the environment, with defaults that need
 * nothing configured. The cache itself reads its usual variables
 * (CACHE_BACKEND, REDIS_URL, CACHE_PREFIX, CACHE_TTL_<CATEGORY> ...).
 */

/** Settings of the code database and the warming. */
export interface ServerConfig {
  /** CODES_LATENCY_MS: delay of each origin query. @default 100 */
  readonly latencyMs: number
  /** CODES_CPT_COUNT: CPT-shaped codes generated for the origin. @default 5000 */
  readonly cptCount: number
  /** CODES_ICD10_COUNT: ICD-10-shaped codes generated for the origin. @default 10000 */
  readonly icd10Count: number
  /** HOT_CODES_TEAMS: comma-separated teams whose hot codes are warmed at start. @default cardiology,primary-care,orthopedics */
  readonly warmTeams: readonly string[]
  /** HOT_CODES_PER_TEAM: codes in each team's hot list. @default 25 */
  readonly hotCodesPerTeam: number
}

type Env = Readonly<Record<string, string | undefined>>

function whole(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`)
  }
  return value
}

/** Reads {@link ServerConfig}; a wrong value throws a RangeError naming the variable. */
export function readServerConfig(env: Env = process.env): ServerConfig {
  const teams = (env['HOT_CODES_TEAMS'] ?? 'cardiology,primary-care,orthopedics')
    .split(',')
    .map((team) => team.trim())
    .filter((team) => team !== '')
  return {
    latencyMs: whole(env, 'CODES_LATENCY_MS', 100, 0, 60_000),
    cptCount: whole(env, 'CODES_CPT_COUNT', 5000, 10, 90_000),
    icd10Count: whole(env, 'CODES_ICD10_COUNT', 10_000, 10, 200_000),
    warmTeams: teams,
    hotCodesPerTeam: whole(env, 'HOT_CODES_PER_TEAM', 25, 1, 1000),
  }
}
