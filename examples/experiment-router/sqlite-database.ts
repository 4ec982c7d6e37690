import initSqlJs from 'sql.js'
import type { Database, SqlValue } from './database.js'

/**
 * Opens an in-process SQLite database (sql.js: real SQLite compiled to WASM).
 * It lives in memory, so every start begins from the seeded data; that is the
 * point of the default backend: a demo that needs no server.
 */
export async function openSqliteDatabase(): Promise<Database> {
  const SQL = await initSqlJs()
  const db = new SQL.Database()
  db.run('PRAGMA foreign_keys = ON')
  return {
    kind: 'sqlite',
    async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
      const statement = db.prepare(sql)
      try {
        statement.bind([...params])
        const rows: Row[] = []
        while (statement.step()) rows.push(statement.getAsObject() as Row)
        return rows
      } finally {
        statement.free()
      }
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      db.run(sql, [...params])
      return db.getRowsModified()
    },
    async close(): Promise<void> {
      db.close()
    },
  }
}
