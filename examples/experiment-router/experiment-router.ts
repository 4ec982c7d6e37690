import type { Cache } from 'mcp-cache'
import type { AnalyticsSource, EventCopy } from './analytics-source.js'
import {
  analyticsKey, assignmentKey, experimentKey, experimentTag, metricsKey, PROCESSED_EVENT_TTL, processedEventKey, userProfileKey, userTag,
  VECTOR_TAG,
} from './cache-keys.js'
import { derivedEventId } from './derived-event-id.js'
import type { ExperimentRepository } from './experiment-repository.js'
import type {
  Assignment, Experiment, ExperimentAnalytics, ExperimentChanges, EventMetrics, NewEvent, UserProfile, UserProfileChanges,
} from './experiment-types.js'
import { checkInvalidationPattern } from './invalidation-pattern.js'
import { freshness, type RoutedAnswer } from './routed-answer.js'
import { RouterError } from './router-error.js'
import { dayBucket, hourBucket, toUtcIso } from './time-buckets.js'
import type { VectorIndex } from './vector-index.js'
import { pickVariant } from './variant-picker.js'

/** An event as `record_event` receives it. */
export interface EventInput {
  readonly eventId: string
  readonly experimentId: string
  readonly userId: string
  readonly eventType: string
  readonly value?: number
  /** ISO time; now when absent. */
  readonly occurredAt?: string
}

/** An event as `route_data` receives it: the id may be left out (see {@link derivedEventId}). */
export type RoutedEventInput = Omit<EventInput, 'experimentId' | 'userId' | 'eventId'> & { readonly eventId?: string }

/** What `record_event` did with an event. */
export interface RecordedEvent {
  readonly eventId: string
  /** True when `route_data` made the id from experiment, user, event type and hour. */
  readonly derivedEventId?: boolean
  /** False when the id was seen before (by the cache marker or by the database). */
  readonly recorded: boolean
  readonly duplicate: boolean
  readonly variantId?: string
  readonly hour?: string
  /** Entries dropped because this event changed them. */
  readonly invalidatedKeys?: readonly string[]
  /** With CLICKHOUSE_URL: whether the copy for analytics was written (`failed`: the next start copies it). */
  readonly clickhouse?: EventCopy
}

/** What `route_data` answers: each part with its own cached/fresh status. */
export interface RoutedRequest {
  readonly experiment: RoutedAnswer<Experiment>
  readonly assignment: RoutedAnswer<Assignment>
  readonly profile: RoutedAnswer<UserProfile>
  readonly event?: RoutedAnswer<RecordedEvent>
}

/** The stores behind the router besides the cache. */
export interface RouterBackends {
  /** Operational data: experiments, assignments, users, events (SQLite or PostgreSQL). */
  readonly repository: ExperimentRepository
  /** Where metrics and analytics are read: the SQL database, or ClickHouse. */
  readonly analytics: AnalyticsSource
  /** The vector index kept in step with experiment changes, when there is one. */
  readonly vectors?: VectorIndex
}

/**
 * The seed's MCP router: cache-aside in front of the experiment database.
 * Reads go through `getOrSetWithStatus` (check the cache, else query the database
 * and store the answer with the category's TTL); writes go to the database first
 * and then drop the entries they made wrong. When the cache store fails, mcp-cache
 * treats it as a miss, so every read falls back to the database by itself.
 */
export class ExperimentRouter {
  private readonly repository: ExperimentRepository
  private readonly analytics: AnalyticsSource
  private readonly vectors: VectorIndex | undefined

  constructor(
    private readonly cache: Cache,
    backends: RouterBackends,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.repository = backends.repository
    this.analytics = backends.analytics
    this.vectors = backends.vectors
  }

  /** An experiment with its variants (24 h). */
  async getExperiment(experimentId: string): Promise<RoutedAnswer<Experiment>> {
    const key = experimentKey(experimentId)
    const { value, status } = await this.cache.getOrSetWithStatus(key, async () => {
      const experiment = await this.repository.getExperiment(experimentId)
      if (experiment === undefined) throw new RouterError('E_NOT_FOUND', `no experiment ${experimentId}`)
      return experiment
    }, { tags: [experimentTag(experimentId)] })
    return { status: freshness(status), cacheKey: key, data: value }
  }

  /** A user's profile (30 min). */
  async getUserProfile(userId: string): Promise<RoutedAnswer<UserProfile>> {
    const key = userProfileKey(userId)
    const { value, status } = await this.cache.getOrSetWithStatus(key, async () => {
      const profile = await this.repository.getUserProfile(userId)
      if (profile === undefined) throw new RouterError('E_NOT_FOUND', `no user ${userId}`)
      return profile
    }, { tags: [userTag(userId)] })
    return { status: freshness(status), cacheKey: key, data: value }
  }

  /**
   * The user's variant (1 h). A user keeps the variant stored for them; a new
   * user is placed by weight, and only while the experiment is running.
   */
  async assignVariant(experimentId: string, userId: string): Promise<RoutedAnswer<Assignment>> {
    const key = assignmentKey(experimentId, userId)
    const { value, status } = await this.cache.getOrSetWithStatus(key, async () => {
      const stored = await this.repository.findAssignment(experimentId, userId)
      if (stored !== undefined) return stored
      // Through the cache: after update_experiment this sees the new status at once.
      const experiment = (await this.getExperiment(experimentId)).data
      if (experiment.status !== 'running') {
        throw new RouterError('E_NOT_RUNNING', `experiment ${experimentId} is ${experiment.status}: it takes no new assignments`)
      }
      await this.getUserProfile(userId)
      const variant = pickVariant(experimentId, userId, experiment.variants)
      return this.repository.createAssignment({ experimentId, userId, variantId: variant.id, assignedAt: this.now().toISOString() })
    }, { tags: [userTag(userId)] })
    return { status: freshness(status), cacheKey: key, data: value }
  }

  /**
   * Records an event once per event id. The cache's `dedupe` marker answers
   * repeats without touching the database (`cached`); the events table's
   * primary key is the last word when the marker is gone (expired, or the
   * cache store was down, where `dedupe` lets the event through).
   */
  async recordEvent(input: EventInput): Promise<RoutedAnswer<RecordedEvent>> {
    const markerKey = processedEventKey(input.eventId)
    let occurredAt: string
    try {
      occurredAt = toUtcIso(input.occurredAt ?? this.now())
    } catch {
      throw new RouterError('E_INVALID_INPUT', `occurred_at is not a time: ${input.occurredAt}`)
    }
    // Validate before marking, so a refused event is not remembered as processed.
    const variantId = (await this.assignVariant(input.experimentId, input.userId)).data.variantId
    if (!(await this.cache.dedupe(markerKey, PROCESSED_EVENT_TTL))) {
      return { status: 'cached', cacheKey: markerKey, data: { eventId: input.eventId, recorded: false, duplicate: true } }
    }
    const event: NewEvent = {
      id: input.eventId, experimentId: input.experimentId, variantId, userId: input.userId,
      eventType: input.eventType, value: input.value ?? 0, occurredAt,
    }
    let inserted: boolean
    try {
      inserted = await this.repository.insertEvent(event)
    } catch (error) {
      // Not processed after all: let a retry through.
      await this.cache.delete(markerKey)
      throw error
    }
    if (!inserted) {
      return { status: 'fresh', cacheKey: markerKey, data: { eventId: input.eventId, recorded: false, duplicate: true } }
    }
    // Copied before the aggregates are dropped, so the next read of them sees the event.
    const copy = await this.analytics.copyEvent(event)
    const hour = hourBucket(occurredAt)
    // The event changed exactly these two aggregates: drop them by key, no scan needed.
    const stale = [metricsKey(input.experimentId, variantId, input.eventType, hour), analyticsKey(input.experimentId, dayBucket(occurredAt))]
    await this.cache.delete(...stale)
    return {
      status: 'fresh', cacheKey: markerKey,
      data: { eventId: input.eventId, recorded: true, duplicate: false, variantId, hour, invalidatedKeys: stale, ...(copy && { clickhouse: copy }) },
    }
  }

  /** Counts of one event type for one variant in one UTC hour `YYYYMMDDHH` (15 min). */
  async eventMetrics(experimentId: string, variantId: string, eventType: string, hour: string): Promise<RoutedAnswer<EventMetrics>> {
    const key = metricsKey(experimentId, variantId, eventType, hour)
    const { value, status } = await this.cache.getOrSetWithStatus(
      key, () => this.analytics.eventMetrics(experimentId, variantId, eventType, hour), { tags: [experimentTag(experimentId)] })
    return { status: freshness(status), cacheKey: key, data: value }
  }

  /** Per-variant analytics of one UTC day `YYYYMMDD` (2 h). */
  async experimentAnalytics(experimentId: string, day: string): Promise<RoutedAnswer<ExperimentAnalytics>> {
    const key = analyticsKey(experimentId, day)
    const { value, status } = await this.cache.getOrSetWithStatus(key, async () => {
      if ((await this.repository.getExperiment(experimentId)) === undefined) throw new RouterError('E_NOT_FOUND', `no experiment ${experimentId}`)
      return this.analytics.analytics(experimentId, day)
    }, { tags: [experimentTag(experimentId)] })
    return { status: freshness(status), cacheKey: key, data: value }
  }

  /**
   * The seed's `router.route_data({experiment_id, user_id, event_type})`: one
   * request fans out to the experiment, the user's assignment and profile, and
   * records the event when one is given, each part through its own cache entry.
   * An event without an id gets one derived from experiment, user, type and
   * UTC hour, so the seed's own call is recorded at most once per hour.
   */
  async routeData(experimentId: string, userId: string, event?: RoutedEventInput): Promise<RoutedRequest> {
    const [experiment, assignment, profile] = await Promise.all([
      this.getExperiment(experimentId), this.assignVariant(experimentId, userId), this.getUserProfile(userId),
    ])
    if (event === undefined) return { experiment, assignment, profile }
    if (event.eventId !== undefined) {
      return { experiment, assignment, profile, event: await this.recordEvent({ ...event, eventId: event.eventId, experimentId, userId }) }
    }
    let occurredAt: string
    try {
      // Fixed here, so the hour in the id and the hour the event is counted in are the same.
      occurredAt = toUtcIso(event.occurredAt ?? this.now())
    } catch {
      throw new RouterError('E_INVALID_INPUT', `occurred_at is not a time: ${event.occurredAt}`)
    }
    const eventId = derivedEventId(experimentId, userId, event.eventType, occurredAt)
    const recorded = await this.recordEvent({ ...event, eventId, occurredAt, experimentId, userId })
    return { experiment, assignment, profile, event: { ...recorded, data: { ...recorded.data, derivedEventId: true } } }
  }

  /**
   * Updates the experiment in the database, re-embeds it in the vector index,
   * then drops everything cached about it (experiment, metrics, analytics) and
   * every vector search result, by tag: the event-driven invalidation.
   */
  async updateExperiment(experimentId: string, changes: ExperimentChanges): Promise<RoutedAnswer<{ experiment: Experiment; invalidatedEntries: number }>> {
    const experiment = await this.repository.updateExperiment(experimentId, changes, this.now().toISOString())
    if (experiment === undefined) throw new RouterError('E_NOT_FOUND', `no experiment ${experimentId}`)
    await this.vectors?.upsert(experiment)
    const invalidatedEntries = await this.cache.invalidateTags([experimentTag(experimentId), VECTOR_TAG], { reason: `update_experiment ${experimentId}` })
    return { status: 'fresh', cacheKey: experimentKey(experimentId), data: { experiment, invalidatedEntries } }
  }

  /**
   * Updates a user's profile in the database, then drops the user's cached
   * profile and assignments by the user's tag: the seed's `invalidate_user_cache(user_id)`.
   */
  async updateUserProfile(userId: string, changes: UserProfileChanges): Promise<RoutedAnswer<{ profile: UserProfile; invalidatedEntries: number }>> {
    const profile = await this.repository.updateUserProfile(userId, changes)
    if (profile === undefined) throw new RouterError('E_NOT_FOUND', `no user ${userId}`)
    const invalidatedEntries = await this.cache.invalidateTags([userTag(userId)], { reason: `update_user_profile ${userId}` })
    return { status: 'fresh', cacheKey: userProfileKey(userId), data: { profile, invalidatedEntries } }
  }

  /**
   * The seed's `invalidate_cache("experiment:exp_123*")`: drops the entries
   * whose keys match a Redis glob (SCAN, never KEYS), after refusing a
   * pattern that could match every key.
   */
  async invalidateCache(pattern: string): Promise<{ pattern: string; deletedEntries: number }> {
    checkInvalidationPattern(pattern)
    const deletedEntries = await this.cache.deleteByPattern(pattern, { reason: `invalidate_cache ${pattern}` })
    return { pattern, deletedEntries }
  }
}
