/** The shapes the router reads from the database and returns to MCP clients. */

/** One arm of an experiment; `weight` is its share of new assignments. */
export interface Variant {
  readonly id: string
  readonly name: string
  readonly weight: number
}

/** Only `running` experiments take new assignments. */
export type ExperimentStatus = 'draft' | 'running' | 'paused' | 'completed'

/** An experiment with its variants (sorted by id). */
export interface Experiment {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly status: ExperimentStatus
  /** Bumped by every update, so a client can see which version it was served. */
  readonly version: number
  readonly updatedAt: string
  readonly variants: readonly Variant[]
}

/** A synthetic user profile (no real person behind any of them). */
export interface UserProfile {
  readonly id: string
  readonly displayName: string
  readonly country: string
  readonly plan: string
  readonly signedUpOn: string
}

/** Which variant a user sees in an experiment; sticky once written. */
export interface Assignment {
  readonly experimentId: string
  readonly userId: string
  readonly variantId: string
  readonly assignedAt: string
}

/** An event to record, already attributed to the user's variant. */
export interface NewEvent {
  readonly id: string
  readonly experimentId: string
  readonly variantId: string
  readonly userId: string
  readonly eventType: string
  readonly value: number
  readonly occurredAt: string
}

/** Counts of one event type for one variant within one UTC hour. */
export interface EventMetrics {
  readonly experimentId: string
  readonly variantId: string
  readonly eventType: string
  readonly hour: string
  readonly events: number
  readonly users: number
  readonly totalValue: number
}

/** One variant's line in the daily analytics. */
export interface VariantAnalytics {
  readonly variantId: string
  readonly assignedUsers: number
  readonly events: number
  readonly convertedUsers: number
  readonly conversionRate: number
  readonly revenue: number
}

/** The daily analytics of an experiment, per variant. */
export interface ExperimentAnalytics {
  readonly experimentId: string
  readonly day: string
  readonly variants: readonly VariantAnalytics[]
}

/** Fields `update_experiment` may change. */
export interface ExperimentChanges {
  readonly name?: string
  readonly description?: string
  readonly status?: ExperimentStatus
}

/** Fields `update_user_profile` may change. */
export interface UserProfileChanges {
  readonly displayName?: string
  readonly country?: string
  readonly plan?: string
}

/** One experiment found by the vector search, nearest first. */
export interface SimilarExperiment {
  readonly experimentId: string
  readonly name: string
  readonly status: ExperimentStatus
  /** Cosine similarity of the two embeddings, 1 for the same words, 0 for none shared. */
  readonly similarity: number
}
