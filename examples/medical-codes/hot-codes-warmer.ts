/**
 * Cache warming, as the seed recommends: each listed team's hot codes are
 * loaded from the origin and written under `hot:codes:{teamId}` (2 h) at start;
 * `hot_codes` waits for it, so the first call is a hit.
 */
import type { Cache } from 'mcp-cache'
import type { CodeDatabase } from './code-database.js'
import { hotCodesKey } from './code-keys.js'

/** What one warming run did. */
export interface WarmReport {
  readonly teams: number
  readonly codes: number
  /** Teams whose entry the store refused (Redis down): they load on first use instead. */
  readonly failed: number
  readonly ms: number
}

/** Loads every team's hot codes in parallel and writes them (overwriting older entries). */
export async function warmHotCodes(cache: Cache, db: CodeDatabase, teams: readonly string[]): Promise<WarmReport> {
  const started = Date.now()
  const results = await Promise.all(
    teams.map(async (teamId) => {
      const hot = await db.hotCodes(teamId)
      // set() resolves false instead of throwing when the store is unavailable.
      const stored = await cache.set(hotCodesKey(teamId), hot)
      return { codes: hot.codes.length, stored }
    }),
  )
  return {
    teams: teams.length,
    codes: results.reduce((sum, result) => sum + result.codes, 0),
    failed: results.filter((result) => !result.stored).length,
    ms: Date.now() - started,
  }
}
