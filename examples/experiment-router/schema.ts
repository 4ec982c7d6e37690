import type { Database } from './database.js'

/**
 * The tables, in SQL both SQLite and PostgreSQL accept. Times are ISO-8601 text
 * and counts are cast to INTEGER in queries, so both drivers hand back the same
 * JavaScript types (PostgreSQL would otherwise return BIGINT counts as strings
 * and TIMESTAMP columns as Date objects).
 */
const STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS experiments (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     description TEXT NOT NULL,
     status TEXT NOT NULL,
     version INTEGER NOT NULL,
     updated_at TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS variants (
     experiment_id TEXT NOT NULL REFERENCES experiments (id),
     id TEXT NOT NULL,
     name TEXT NOT NULL,
     weight INTEGER NOT NULL,
     PRIMARY KEY (experiment_id, id)
   )`,
  `CREATE TABLE IF NOT EXISTS user_profiles (
     id TEXT PRIMARY KEY,
     display_name TEXT NOT NULL,
     country TEXT NOT NULL,
     plan TEXT NOT NULL,
     signed_up_on TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS assignments (
     experiment_id TEXT NOT NULL REFERENCES experiments (id),
     user_id TEXT NOT NULL REFERENCES user_profiles (id),
     variant_id TEXT NOT NULL,
     assigned_at TEXT NOT NULL,
     PRIMARY KEY (experiment_id, user_id)
   )`,
  // hour_bucket (YYYYMMDDHH) and day_bucket (YYYYMMDD) are the suffixes of the seed's
  // metrics and analytics keys, stored so a cached aggregate and its query agree exactly.
  `CREATE TABLE IF NOT EXISTS events (
     id TEXT PRIMARY KEY,
     experiment_id TEXT NOT NULL REFERENCES experiments (id),
     variant_id TEXT NOT NULL,
     user_id TEXT NOT NULL REFERENCES user_profiles (id),
     event_type TEXT NOT NULL,
     value DOUBLE PRECISION NOT NULL,
     occurred_at TEXT NOT NULL,
     hour_bucket TEXT NOT NULL,
     day_bucket TEXT NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS events_by_hour ON events (experiment_id, variant_id, event_type, hour_bucket)',
  'CREATE INDEX IF NOT EXISTS events_by_day ON events (experiment_id, day_bucket)',
]

/** Creates the tables and indexes that do not exist yet. */
export async function createSchema(db: Database): Promise<void> {
  for (const statement of STATEMENTS) await db.run(statement)
}
