import { roundMoney, variantAnalytics } from './analytics-figures.js'
import type { Database } from './database.js'
import type {
  Assignment, Experiment, ExperimentAnalytics, ExperimentChanges, ExperimentStatus, EventMetrics, NewEvent, UserProfile, UserProfileChanges, Variant,
} from './experiment-types.js'
import { dayBucket, hourBucket } from './time-buckets.js'

interface ExperimentRow { id: string; name: string; description: string; status: string; version: number; updated_at: string }
interface VariantRow { id: string; name: string; weight: number }
interface UserRow { id: string; display_name: string; country: string; plan: string; signed_up_on: string }
interface AssignmentRow { experiment_id: string; user_id: string; variant_id: string; assigned_at: string }
interface MetricsRow { events: number; users: number; total_value: number }
interface AnalyticsRow { variant_id: string; assigned_users: number; events: number; converted_users: number; revenue: number }
interface AssignedRow { variant_id: string; assigned_users: number }
interface EventRow { id: string; experiment_id: string; variant_id: string; user_id: string; event_type: string; value: number; occurred_at: string }

/**
 * Every query the router makes, written once over the {@link Database}
 * interface. This is the origin the cache sits in front of: nothing here knows
 * about caching.
 */
export class ExperimentRepository {
  constructor(private readonly db: Database) {}

  /** Which backend answers (`sqlite` or `postgres`). */
  get backend(): Database['kind'] {
    return this.db.kind
  }

  /** The experiment with its variants, or undefined. */
  async getExperiment(id: string): Promise<Experiment | undefined> {
    const [row] = await this.db.all<ExperimentRow>(
      'SELECT id, name, description, status, version, updated_at FROM experiments WHERE id = ?', [id])
    if (row === undefined) return undefined
    const variants = await this.db.all<VariantRow>(
      'SELECT id, name, weight FROM variants WHERE experiment_id = ? ORDER BY id', [id])
    return {
      id: row.id, name: row.name, description: row.description, status: row.status as ExperimentStatus,
      version: Number(row.version), updatedAt: row.updated_at,
      variants: variants.map((v): Variant => ({ id: v.id, name: v.name, weight: Number(v.weight) })),
    }
  }

  /** A user's profile, or undefined. */
  async getUserProfile(id: string): Promise<UserProfile | undefined> {
    const [row] = await this.db.all<UserRow>(
      'SELECT id, display_name, country, plan, signed_up_on FROM user_profiles WHERE id = ?', [id])
    return row === undefined
      ? undefined
      : { id: row.id, displayName: row.display_name, country: row.country, plan: row.plan, signedUpOn: row.signed_up_on }
  }

  /** Applies `changes` to a profile; undefined when the user does not exist. */
  async updateUserProfile(id: string, changes: UserProfileChanges): Promise<UserProfile | undefined> {
    // One statement, each field kept where no change is given: two concurrent updates of
    // different fields both land (a read, then a write of all three, lost one of them).
    await this.db.run('UPDATE user_profiles SET display_name = COALESCE(?, display_name), country = COALESCE(?, country), plan = COALESCE(?, plan) WHERE id = ?',
      [changes.displayName ?? null, changes.country ?? null, changes.plan ?? null, id])
    return this.getUserProfile(id)
  }

  /** Every experiment with its variants, by id (what the vector index embeds). */
  async listExperiments(): Promise<Experiment[]> {
    const rows = await this.db.all<{ id: string }>('SELECT id FROM experiments ORDER BY id')
    const experiments: Experiment[] = []
    for (const { id } of rows) {
      const experiment = await this.getExperiment(id)
      if (experiment !== undefined) experiments.push(experiment)
    }
    return experiments
  }

  /** The user's assignment in the experiment, or undefined. */
  async findAssignment(experimentId: string, userId: string): Promise<Assignment | undefined> {
    const [row] = await this.db.all<AssignmentRow>(
      'SELECT experiment_id, user_id, variant_id, assigned_at FROM assignments WHERE experiment_id = ? AND user_id = ?',
      [experimentId, userId])
    return row === undefined
      ? undefined
      : { experimentId: row.experiment_id, userId: row.user_id, variantId: row.variant_id, assignedAt: row.assigned_at }
  }

  /**
   * Writes an assignment unless one exists, and returns the one stored: when two
   * instances assign the same user at once, both answer with the winner's row.
   */
  async createAssignment(assignment: Assignment): Promise<Assignment> {
    await this.db.run(
      `INSERT INTO assignments (experiment_id, user_id, variant_id, assigned_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (experiment_id, user_id) DO NOTHING`,
      [assignment.experimentId, assignment.userId, assignment.variantId, assignment.assignedAt])
    const stored = await this.findAssignment(assignment.experimentId, assignment.userId)
    if (stored === undefined) throw new Error(`assignment of ${assignment.userId} in ${assignment.experimentId} was not stored`)
    return stored
  }

  /** Stores an event; false when an event with this id is already stored (the database's own de-duplication). */
  async insertEvent(event: NewEvent): Promise<boolean> {
    const changed = await this.db.run(
      `INSERT INTO events (id, experiment_id, variant_id, user_id, event_type, value, occurred_at, hour_bucket, day_bucket)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [event.id, event.experimentId, event.variantId, event.userId, event.eventType, event.value, event.occurredAt,
        hourBucket(event.occurredAt), dayBucket(event.occurredAt)])
    return changed > 0
  }

  /** Counts of one event type for one variant in one UTC hour (`YYYYMMDDHH`). */
  async eventMetrics(experimentId: string, variantId: string, eventType: string, hour: string): Promise<EventMetrics> {
    const [row] = await this.db.all<MetricsRow>(
      `SELECT CAST(COUNT(*) AS INTEGER) AS events,
              CAST(COUNT(DISTINCT user_id) AS INTEGER) AS users,
              COALESCE(SUM(value), 0) AS total_value
       FROM events WHERE experiment_id = ? AND variant_id = ? AND event_type = ? AND hour_bucket = ?`,
      [experimentId, variantId, eventType, hour])
    return {
      experimentId, variantId, eventType, hour,
      events: Number(row?.events ?? 0), users: Number(row?.users ?? 0), totalValue: roundMoney(Number(row?.total_value ?? 0)),
    }
  }

  /** Per-variant assignments (all time) and events and conversions of one UTC day (`YYYYMMDD`). */
  async analytics(experimentId: string, day: string): Promise<ExperimentAnalytics> {
    const rows = await this.db.all<AnalyticsRow>(
      `SELECT v.id AS variant_id,
         (SELECT CAST(COUNT(*) AS INTEGER) FROM assignments a
           WHERE a.experiment_id = v.experiment_id AND a.variant_id = v.id) AS assigned_users,
         (SELECT CAST(COUNT(*) AS INTEGER) FROM events e
           WHERE e.experiment_id = v.experiment_id AND e.variant_id = v.id AND e.day_bucket = ?) AS events,
         (SELECT CAST(COUNT(DISTINCT e.user_id) AS INTEGER) FROM events e
           WHERE e.experiment_id = v.experiment_id AND e.variant_id = v.id AND e.day_bucket = ? AND e.event_type = 'conversion') AS converted_users,
         (SELECT COALESCE(SUM(e.value), 0) FROM events e
           WHERE e.experiment_id = v.experiment_id AND e.variant_id = v.id AND e.day_bucket = ? AND e.event_type = 'conversion') AS revenue
       FROM variants v WHERE v.experiment_id = ? ORDER BY v.id`,
      [day, day, day, experimentId])
    return {
      experimentId, day,
      variants: rows.map((row) => variantAnalytics(
        row.variant_id, Number(row.assigned_users), Number(row.events), Number(row.converted_users), Number(row.revenue))),
    }
  }

  /**
   * Assigned users per variant (all variants, by id). Assignments are
   * operational rows that stay here; ClickHouse analytics take them from this.
   */
  async assignedUsersByVariant(experimentId: string): Promise<Array<{ variantId: string; assignedUsers: number }>> {
    const rows = await this.db.all<AssignedRow>(
      `SELECT v.id AS variant_id,
         (SELECT CAST(COUNT(*) AS INTEGER) FROM assignments a
           WHERE a.experiment_id = v.experiment_id AND a.variant_id = v.id) AS assigned_users
       FROM variants v WHERE v.experiment_id = ? ORDER BY v.id`, [experimentId])
    return rows.map((row) => ({ variantId: row.variant_id, assignedUsers: Number(row.assigned_users) }))
  }

  /** Every stored event, for copying into an analytics store at start. */
  async allEvents(): Promise<NewEvent[]> {
    const rows = await this.db.all<EventRow>(
      'SELECT id, experiment_id, variant_id, user_id, event_type, value, occurred_at FROM events ORDER BY id')
    return rows.map((row) => ({
      id: row.id, experimentId: row.experiment_id, variantId: row.variant_id, userId: row.user_id,
      eventType: row.event_type, value: Number(row.value), occurredAt: row.occurred_at,
    }))
  }

  /** Applies `changes`, bumps the version; undefined when the experiment does not exist. */
  async updateExperiment(id: string, changes: ExperimentChanges, updatedAt: string): Promise<Experiment | undefined> {
    const current = await this.getExperiment(id)
    if (current === undefined) return undefined
    await this.db.run(
      'UPDATE experiments SET name = ?, description = ?, status = ?, version = version + 1, updated_at = ? WHERE id = ?',
      [changes.name ?? current.name, changes.description ?? current.description, changes.status ?? current.status, updatedAt, id])
    return this.getExperiment(id)
  }
}
