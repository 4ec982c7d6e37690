/**
 * The seed's conventions in one place: where its monitoring endpoints live, the
 * key prefix, the TTL of each category, and how long a drug-info copy may be served. Everything else
 * builds keys through `medinsight-keys.ts`.
 */

/** Where the seed's monitoring and management endpoints live (`/api/v1/redis/health`, `/stats`, ...): mcp-cache's admin API is mounted here. */
export const ADMIN_BASE = '/api/v1/redis'

/** First segment of every key: `medinsight:[category]:[identifier]:[sub_key]`. */
export const KEY_PREFIX = 'medinsight'

/**
 * TTL per category, as the seed sets them (CACHE_TTL_USER_SESSION 1 h,
 * CACHE_TTL_SYMPTOM_INPUT 30 m, CACHE_TTL_AI_SUMMARY 2 h, CACHE_TTL_DRUG_ANALYSIS 24 h).
 * `user` covers sessions and preferences; `health_analysis` follows the seed's
 * "complete analysis results for 1 hour"; `medication_interactions` its
 * "interaction analysis for 24 hours".
 *
 * `drug_info` is the seed's "indefinitely with timestamp validation": kept with no
 * expiry (`'forever'`); whether a copy is served is decided by
 * `drug-info-validation.ts`, not by a TTL.
 *
 * Any of them can be overridden with `CACHE_TTL_<CATEGORY>` (e.g. `CACHE_TTL_DRUG_ANALYSIS=12h`).
 */
export const SEED_TTLS = {
  user: '1h',
  symptom: '30m',
  ai_summary: '2h',
  health_analysis: '1h',
  medication_interactions: '24h',
  drug_analysis: '24h',
  drug_info: 'forever',
} as const

/** How old a drug-info copy may be before it is fetched again although the source's record did not change (DRUG_INFO_MAX_AGE). */
export const DEFAULT_DRUG_INFO_MAX_AGE = '7d'
