import type { ExperimentRepository } from './experiment-repository.js'
import type { EventMetrics, ExperimentAnalytics, NewEvent } from './experiment-types.js'

/** Where a copied event went: `written` to the analytics store, or `failed` (it is still in the SQL database). */
export type EventCopy = 'written' | 'failed'

/**
 * Where `event_metrics` and `experiment_analytics` read their figures: the SQL
 * database itself, or ClickHouse when CLICKHOUSE_URL is set. Both give the
 * same shapes, so the cache-aside layer does not know which one answered.
 */
export interface AnalyticsSource {
  /** Reported by `router_health`. */
  readonly kind: 'sql' | 'clickhouse'
  /** Counts of one event type for one variant in one UTC hour (`YYYYMMDDHH`). */
  eventMetrics(experimentId: string, variantId: string, eventType: string, hour: string): Promise<EventMetrics>
  /** Per-variant figures of one UTC day (`YYYYMMDD`); the experiment is known to exist. */
  analytics(experimentId: string, day: string): Promise<ExperimentAnalytics>
  /**
   * Copies an event the SQL database just stored; undefined when this source
   * reads the SQL database (nothing to copy). Never throws: a failed copy is reported.
   */
  copyEvent(event: NewEvent): Promise<EventCopy | undefined>
  /** Releases connections. */
  close(): Promise<void>
}

/** Analytics straight from the SQL database (the default). */
export function sqlAnalytics(repository: ExperimentRepository): AnalyticsSource {
  return {
    kind: 'sql',
    eventMetrics: (experimentId, variantId, eventType, hour) => repository.eventMetrics(experimentId, variantId, eventType, hour),
    analytics: (experimentId, day) => repository.analytics(experimentId, day),
    copyEvent: async () => undefined,
    close: async () => undefined,
  }
}
