import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection, Table } from '@lancedb/lancedb'
import { embed } from './embedding.js'
import type { ExperimentRepository } from './experiment-repository.js'
import type { Experiment, ExperimentStatus, SimilarExperiment } from './experiment-types.js'
import { RouterError } from './router-error.js'

/**
 * The seed's ChromaDBProcessor, over LanceDB (embedded: no server): one table
 * of experiments with their embeddings, in a temporary directory of this
 * process. It is built from the SQL database on first use (a router that never
 * searches never loads LanceDB) and kept in step by `upsert` when an
 * experiment changes; the directory is deleted on close.
 */
export interface VectorIndex {
  /** The `k` experiments nearest to `vector` (cosine), nearest first, without `excludeId`. */
  nearest(vector: readonly number[], k: number, excludeId?: string): Promise<SimilarExperiment[]>
  /** Re-embeds a changed experiment. Never throws: a failed write makes the next search rebuild the table. */
  upsert(experiment: Experiment): Promise<void>
  /** Closes LanceDB and deletes the directory. */
  close(): Promise<void>
}

/** What an experiment's embedding is made of: its name, description and variant names. */
export function experimentText(experiment: Experiment): string {
  return [experiment.name, experiment.description, ...experiment.variants.map((variant) => variant.name)].join('. ')
}

interface Row { id: string; name: string; status: string; vector: number[]; [column: string]: unknown }
interface Hit { id: string; name: string; status: string; _distance: number }

const TABLE = 'experiments'

function rowOf(experiment: Experiment): Row {
  return { id: experiment.id, name: experiment.name, status: experiment.status, vector: embed(experimentText(experiment)) }
}

/** A LanceDB index of the repository's experiments. */
export function lanceVectorIndex(repository: ExperimentRepository): VectorIndex {
  let dir: string | undefined
  let connection: Connection | undefined
  let building: Promise<Table> | undefined

  async function build(): Promise<Table> {
    // The native library logs a warning on stderr for every table it creates; LANCEDB_LOG set by the user wins.
    process.env['LANCEDB_LOG'] ??= 'error'
    const lancedb = await import('@lancedb/lancedb')
    dir ??= mkdtempSync(join(tmpdir(), 'experiment-router-vectors-'))
    connection ??= await lancedb.connect(dir)
    const rows = (await repository.listExperiments()).map(rowOf)
    return connection.createTable(TABLE, rows, { mode: 'overwrite' })
  }

  /** The table, built once; a failed build is forgotten so the next call tries again. */
  function table(): Promise<Table> {
    building ??= build().catch((error: unknown) => {
      building = undefined
      throw new RouterError('E_VECTORS_UNAVAILABLE',
        `the LanceDB vector index could not be built (${error instanceof Error ? error.message : String(error)}); check that @lancedb/lancedb is installed for this platform`)
    })
    return building
  }

  return {
    async nearest(vector, k, excludeId) {
      const index = await table()
      let hits: Hit[]
      try {
        // One more than asked, so leaving out the experiment searched from still leaves k.
        hits = await index.vectorSearch([...vector]).distanceType('cosine').limit(k + 1).toArray() as Hit[]
      } catch (error) {
        throw new RouterError('E_VECTORS_UNAVAILABLE', `the LanceDB search failed (${error instanceof Error ? error.message : String(error)})`)
      }
      return hits.filter((hit) => hit.id !== excludeId).slice(0, k).map((hit) => ({
        experimentId: hit.id, name: hit.name, status: hit.status as ExperimentStatus,
        similarity: Math.round((1 - hit._distance) * 10_000) / 10_000,
      }))
    },
    async upsert(experiment) {
      // Not built yet: the build will read the experiment as it is now.
      if (building === undefined) return
      try {
        await (await building).mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([rowOf(experiment)])
      } catch (error) {
        console.error(`[experiment-router] vector index not updated for ${experiment.id}, rebuilding on next search: ${error instanceof Error ? error.message : String(error)}`)
        building = undefined
      }
    },
    async close() {
      const pending = building
      building = undefined
      // A build still running is waited for, so the directory is not deleted under it.
      if (pending !== undefined) (await pending.catch(() => undefined))?.close()
      connection?.close()
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
}
