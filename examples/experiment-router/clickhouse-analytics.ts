import { variantAnalytics, roundMoney } from './analytics-figures.js'
import type { AnalyticsSource, EventCopy } from './analytics-source.js'
import { connectClickHouse, quote, type ClickHouseHttp } from './clickhouse-http.js'
import type { ExperimentRepository } from './experiment-repository.js'
import type { EventMetrics, ExperimentAnalytics, NewEvent } from './experiment-types.js'
import { RouterError } from './router-error.js'
import { dayBucket, hourBucket } from './time-buckets.js'

/**
 * The seed's ClickHouseProcessor: analytics and time-series figures read from
 * ClickHouse. Events are written to the SQL database first (its primary key is
 * the last word on duplicates) and then copied here; at start every event of
 * the SQL database is copied again (a copy that failed while it ran is not retried before that).
 *
 * The table is a ReplacingMergeTree ordered by the event id, and every query
 * reads it with FINAL: an event copied twice (at every start, or by a retry)
 * still counts once. FINAL merges at read time; for a large table a
 * production setup would deduplicate on ingest instead.
 */
const TABLE = 'router_events'

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  id String, experiment_id String, variant_id String, user_id String, event_type String,
  value Float64, occurred_at String, hour_bucket String, day_bucket String, event_date Date
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_date)
ORDER BY (experiment_id, day_bucket, hour_bucket, variant_id, event_type, id)`

interface MetricsRow { events: string; users: string; total_value: number }
interface VariantRow { variant_id: string; events: string; converted_users: string; revenue: number }

/** An event as a row of the ClickHouse table. */
export function eventRow(event: NewEvent): Record<string, string | number> {
  return {
    id: event.id, experiment_id: event.experimentId, variant_id: event.variantId, user_id: event.userId,
    event_type: event.eventType, value: event.value, occurred_at: event.occurredAt,
    hour_bucket: hourBucket(event.occurredAt), day_bucket: dayBucket(event.occurredAt), event_date: event.occurredAt.slice(0, 10),
  }
}

/**
 * A read failed: a tool error that says what to do, and (thrown from a factory) never cached.
 * The details (ClickHouse's address and its own error text) go to stderr for the operator; the
 * client learns only that analytics are unavailable.
 */
function unavailable(error: unknown): RouterError {
  const reason = error instanceof Error ? error.message : String(error)
  console.error(`[experiment-router] analytics read failed: ${reason}`)
  return new RouterError('E_ANALYTICS_UNAVAILABLE', 'analytics are unavailable: the ClickHouse server did not answer the query; try again later')
}

/**
 * Connects to ClickHouse at `url`, creates the database and table if missing,
 * and copies every event of the SQL database. Throws (with ClickHouse's own
 * message) when the server cannot be reached, so a wrong URL stops the router at start.
 */
export async function openClickHouseAnalytics(url: string, repository: ExperimentRepository): Promise<AnalyticsSource> {
  const clickhouse = connectClickHouse(url)
  await clickhouse.command(`CREATE DATABASE IF NOT EXISTS ${clickhouse.database}`, false)
  await clickhouse.command(CREATE_TABLE)
  await clickhouse.insert(TABLE, (await repository.allEvents()).map(eventRow))
  return new ClickHouseAnalytics(clickhouse, repository)
}

class ClickHouseAnalytics implements AnalyticsSource {
  readonly kind = 'clickhouse'

  constructor(private readonly clickhouse: ClickHouseHttp, private readonly repository: ExperimentRepository) {}

  async eventMetrics(experimentId: string, variantId: string, eventType: string, hour: string): Promise<EventMetrics> {
    const rows = await this.read<MetricsRow>(
      `SELECT count() AS events, uniqExact(user_id) AS users, sum(value) AS total_value
       FROM ${TABLE} FINAL
       WHERE experiment_id = ${quote(experimentId)} AND variant_id = ${quote(variantId)}
         AND event_type = ${quote(eventType)} AND hour_bucket = ${quote(hour)}`)
    const row = rows[0]
    return {
      experimentId, variantId, eventType, hour,
      events: Number(row?.events ?? 0), users: Number(row?.users ?? 0), totalValue: roundMoney(Number(row?.total_value ?? 0)),
    }
  }

  async analytics(experimentId: string, day: string): Promise<ExperimentAnalytics> {
    const rows = await this.read<VariantRow>(
      `SELECT variant_id, count() AS events,
              uniqExactIf(user_id, event_type = 'conversion') AS converted_users,
              sumIf(value, event_type = 'conversion') AS revenue
       FROM ${TABLE} FINAL
       WHERE experiment_id = ${quote(experimentId)} AND day_bucket = ${quote(day)}
       GROUP BY variant_id`)
    const byVariant = new Map(rows.map((row) => [row.variant_id, row]))
    // The experiment's variants and their assignments come from the SQL database, as for SQL analytics.
    const assigned = await this.repository.assignedUsersByVariant(experimentId)
    return {
      experimentId, day,
      variants: assigned.map(({ variantId, assignedUsers }) => {
        const row = byVariant.get(variantId)
        return variantAnalytics(variantId, assignedUsers, Number(row?.events ?? 0), Number(row?.converted_users ?? 0), Number(row?.revenue ?? 0))
      }),
    }
  }

  async copyEvent(event: NewEvent): Promise<EventCopy> {
    try {
      await this.clickhouse.insert(TABLE, [eventRow(event)])
      return 'written'
    } catch (error) {
      // The event is stored in the SQL database; the copy at the next start adds it here.
      console.error(`[experiment-router] event ${event.id} not copied to ClickHouse: ${error instanceof Error ? error.message : String(error)}`)
      return 'failed'
    }
  }

  async close(): Promise<void> {
    // fetch keeps no connection we own.
  }

  private async read<Row>(sql: string): Promise<Row[]> {
    try {
      return await this.clickhouse.query<Row>(sql)
    } catch (error) {
      throw unavailable(error)
    }
  }
}
