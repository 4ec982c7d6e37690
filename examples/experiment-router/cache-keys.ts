import { buildKey, cacheKey, hashContent, type Duration } from 'mcp-cache'

/**
 * The seed's key patterns and TTLs, in one place. Every key is built by
 * mcp-cache, which percent-encodes each part: an id holding `:` or `*` stays
 * inside its own segment and cannot reach another experiment's keys.
 */

/** TTL per key category (the key's first segment), as the seed's table gives them. */
export const TTL_BY_CATEGORY: Readonly<Record<string, Duration>> = {
  experiment: '24h', // rarely change, read on every assignment
  assignment: '1h', // user-specific, sticky once written
  user: '30m', // personal data, updated more often
  metrics: '15m', // near-real-time counts
  analytics: '2h', // daily aggregates
  // The seed gives no TTL for vectors. Results depend only on the experiments' texts, which
  // change as rarely as experiments do, and update_experiment drops them by tag: the experiment TTL.
  vector: '24h',
}

/** How long a processed event id is remembered (the seed's "already processed" marker). */
export const PROCESSED_EVENT_TTL: Duration = '24h'

/** `experiment:exp_123` */
export const experimentKey = (experimentId: string): string => buildKey('experiment', experimentId)

/** `assignment:exp_123:user_456` */
export const assignmentKey = (experimentId: string, userId: string): string => buildKey('assignment', experimentId, userId)

/** `user:user_456:profile` */
export const userProfileKey = (userId: string): string => cacheKey({ category: 'user', identifier: userId, subKey: 'profile' })

/** `metrics:exp_123:variant_2:conversion:2024120114` */
export const metricsKey = (experimentId: string, variantId: string, eventType: string, hour: string): string =>
  buildKey('metrics', experimentId, variantId, eventType, hour)

/** `analytics:exp_123:20241201` */
export const analyticsKey = (experimentId: string, day: string): string => buildKey('analytics', experimentId, day)

/** `vector:similar:exp_123:3`: the `k` experiments nearest to one experiment. */
export const similarExperimentsKey = (experimentId: string, k: number): string => buildKey('vector', 'similar', experimentId, k)

/**
 * `vector:search:<sha256 of the normalised text>:3`: the `k` experiments nearest to a text.
 * Hashed, so a long question makes a short key and texts that differ only in case,
 * punctuation or spacing share one entry.
 */
export const semanticSearchKey = (normalisedText: string, k: number): string => buildKey('vector', 'search', hashContent(normalisedText), k)

/** `event:evt_1:processed`, the de-duplication marker of one event id. */
export const processedEventKey = (eventId: string): string => buildKey('event', eventId, 'processed')

/**
 * The tag on every entry cached about one experiment (the experiment, its
 * metrics and its analytics), so `update_experiment` can drop exactly those.
 */
export const experimentTag = (experimentId: string): string => `experiment:${experimentId}`

/**
 * The tag on a user's profile and assignments, so `update_user_profile` drops
 * them all (the seed's `invalidate_user_cache(user_id)`): assignment keys start
 * with the experiment, so no single `user:<id>*` pattern reaches them.
 */
export const userTag = (userId: string): string => `user:${userId}`

/** The tag on every vector search result: any experiment's new text can change any of them. */
export const VECTOR_TAG = 'vectors'

/**
 * Key categories `invalidate_cache` accepts as the literal start of a pattern
 * (`experiment:exp_123*`), so no pattern can name every key of the cache.
 */
export const PATTERN_CATEGORIES: readonly string[] = [...Object.keys(TTL_BY_CATEGORY), 'event']
