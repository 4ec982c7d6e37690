import pg from 'pg'
import type { Database, SqlValue } from './database.js'

/**
 * `?` placeholders become `$1, $2, ...`. Our queries never hold a `?` inside a
 * string literal (values are always bound), so a plain scan is enough.
 */
function numberPlaceholders(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

/**
 * Connects to PostgreSQL at `url` (DATABASE_URL) with a small pool, and checks
 * the connection once so a wrong URL stops the server at start, not on the first tool call.
 */
export async function openPostgresDatabase(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  // An idle client that loses its server emits 'error'; without a listener that would crash the process.
  pool.on('error', (error) => console.error(`[experiment-router] postgres: ${error.message}`))
  await pool.query('SELECT 1')
  return {
    kind: 'postgres',
    async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
      const result = await pool.query(numberPlaceholders(sql), [...params])
      return result.rows as Row[]
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      const result = await pool.query(numberPlaceholders(sql), [...params])
      return result.rowCount ?? 0
    },
    close: () => pool.end(),
  }
}
