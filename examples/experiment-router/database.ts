/**
 * The data-access interface both backends implement. Queries are written once,
 * in SQL that SQLite and PostgreSQL both accept, with `?` placeholders; each
 * implementation adapts placeholders and row types, so the two cannot drift apart.
 */

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null

/** One SQL database: SQLite in process, or a PostgreSQL server. */
export interface Database {
  /** Which implementation this is, reported by the health tool. */
  readonly kind: 'sqlite' | 'postgres'
  /** Runs a query and returns its rows as plain objects keyed by column name. */
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>
  /** Releases the connection(s); the database cannot be used afterwards. */
  close(): Promise<void>
}
