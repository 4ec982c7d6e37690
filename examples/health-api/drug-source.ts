/**
 * The drug reference source the app calls: the built-in table, with the
 * records of `DRUG_SOURCE_FILE` (when set) laid over it by name. The file
 * stands for the external source changing under a running app (a new label, a
 * corrected class): it is read again whenever its modification time or size
 * changes, so drug info's timestamp validation has a real change to notice.
 */
import { readFile, stat } from 'node:fs/promises'
import * as z from 'zod'
import { BUILT_IN_DRUGS, DrugTable, type DrugEntry } from './drug-catalog.js'
import { describeIssues, drugName } from './request-schemas.js'

const text = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')

/** One record of the file, named as the API names its fields. */
const fileRecord = z.object({
  name: drugName,
  drug_class: text,
  common_uses: z.array(text).max(20, 'must hold at most 20 items'),
  interactions: z.record(drugName, text).default({}),
  cautions: z.record(drugName, text).default({}),
  updated_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-05-01T00:00:00Z' }),
}).strict()

const fileContent = z.array(fileRecord).max(1000, 'must hold at most 1000 records')

/** Reads the reference table, refreshing it from the file when the file changed. */
export class DrugSource {
  private table = new DrugTable(BUILT_IN_DRUGS)
  /** Modification time and size of the file as last read. */
  private stamp: string | undefined

  /** @param file `DRUG_SOURCE_FILE`; undefined serves the built-in table alone. */
  constructor(private readonly file: string | undefined) {}

  /** Reads the file now, at startup: a missing or malformed file stops the server with a message naming the field. */
  async load(): Promise<void> {
    if (this.file === undefined) return
    const info = await stat(this.file)
    this.stamp = stampOf(info)
    this.table = await readTable(this.file)
  }

  /**
   * The current table. A file that breaks after a good read (half-written,
   * invalid) leaves the last good table in place, logged once per change:
   * a bad edit of the source must not take the API down.
   */
  async current(): Promise<DrugTable> {
    if (this.file === undefined) return this.table
    try {
      const stamp = stampOf(await stat(this.file))
      if (stamp === this.stamp) return this.table
      this.stamp = stamp
      this.table = await readTable(this.file)
    } catch (error) {
      console.error(`DRUG_SOURCE_FILE ${this.file}: ${(error as Error).message}; serving the last good table`)
    }
    return this.table
  }
}

function stampOf(info: { mtimeMs: number; size: number }): string {
  return `${info.mtimeMs}:${info.size}`
}

/** The built-in records with the file's records laid over them. */
async function readTable(file: string): Promise<DrugTable> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new Error(`is not a JSON array of drug records (${(error as Error).message})`, { cause: error })
  }
  const parsed = fileContent.safeParse(raw)
  if (!parsed.success) throw new Error(describeIssues(parsed.error))
  const byName = new Map<string, DrugEntry>(BUILT_IN_DRUGS.map((entry) => [entry.name, entry]))
  for (const record of parsed.data) {
    byName.set(record.name, {
      name: record.name,
      updatedAt: new Date(record.updated_at).toISOString(),
      drugClass: record.drug_class,
      commonUses: record.common_uses,
      interactions: record.interactions,
      cautions: record.cautions,
    })
  }
  return new DrugTable([...byName.values()])
}
