/**
 * The seed's cache conventions in one place: the key prefix and the TTL of
 * each category. Everything else builds keys through `medinsight-keys.ts`.
 */

/** First segment of every key: `medinsight:[category]:[identifier]:[sub_key]`. */
export const KEY_PREFIX = 'medinsight'

/**
 * TTL per category, as the seed sets them (CACHE_TTL_USER_SESSION 1 h,
 * CACHE_TTL_SYMPTOM_INPUT 30 m, CACHE_TTL_AI_SUMMARY 2 h, CACHE_TTL_DRUG_ANALYSIS 24 h).
 * `health_analysis` follows the seed's "complete analysis results for 1 hour";
 * `medication_interactions` its "interaction analysis for 24 hours"; `drug_info`
 * is the seed's "indefinitely with timestamp validation", bounded here at 7 days.
 * Any of them can be overridden with `CACHE_TTL_<CATEGORY>` (e.g. `CACHE_TTL_DRUG_ANALYSIS=12h`).
 */
export const SEED_TTLS = {
  user: '1h',
  symptom: '30m',
  ai_summary: '2h',
  health_analysis: '1h',
  medication_interactions: '24h',
  drug_analysis: '24h',
  drug_info: '7d',
} as const
