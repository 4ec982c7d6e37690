import type { Database } from './database.js'
import { openPostgresDatabase } from './postgres-database.js'
import { createSchema } from './schema.js'
import { seedDatabase } from './seed-data.js'
import { openSqliteDatabase } from './sqlite-database.js'

/**
 * PostgreSQL when `databaseUrl` (DATABASE_URL) is set, else in-process SQLite;
 * either way with the schema created and the synthetic seed rows present.
 */
export async function openDatabase(databaseUrl: string | undefined): Promise<Database> {
  const db = databaseUrl ? await openPostgresDatabase(databaseUrl) : await openSqliteDatabase()
  try {
    await createSchema(db)
    await seedDatabase(db)
  } catch (error) {
    await db.close()
    throw error
  }
  return db
}
