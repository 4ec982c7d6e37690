import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { once } from 'node:events'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { createCache } from '../../cache/create-cache.js'
import { entryGlob, type EntryFilter } from '../entry-filter.js'
import { output } from '../output.js'
import { progressBar } from '../progress.js'
import { reasonOf, unreadableFile } from '../failure-reason.js'
import { sharedCacheOptions, unreachableStore, type StoreCliOptions } from '../store-flags.js'

const FORMAT = 'mcp-cache-export'
/** Every generation of every gateway upstream under the prefix. */
const GATEWAY_GENERATIONS = '~n.up.*~gen:*'
const headerLine = z.object({ format: z.literal(FORMAT), version: z.literal(1), prefix: z.string(), exportedAt: z.string() })
const entryLine = z.object({ key: z.string().min(1), ttlMs: z.number(), dump: z.string().min(1) })

/**
 * `mcp-cache export --out FILE`: streams every entry under the prefix
 * (namespaces, principals, tag sets, generations and counters; not locks) as
 * JSON lines: Redis DUMP payloads, base64, with their remaining TTL. Written
 * to a temporary file renamed at the end, so a failure leaves no partial file.
 */
export async function runExport(options: StoreCliOptions & EntryFilter & { out: string; json?: boolean }): Promise<number> {
  const out = output(options.json)
  const glob = entryGlob(options)
  // Checked before anything is written or connected: a wrong path says so, not a stack trace.
  assertWritableDirectory(options.out)
  const partial = `${options.out}.partial-${process.pid}`
  const cacheOptions = sharedCacheOptions(options)
  const cache = createCache({ ...cacheOptions, logger: false })
  let count = 0
  let done = false
  // Interrupted, it leaves no partial copy of the cache's data behind (it may hold patient data).
  const interrupted = () => {
    rmSync(partial, { force: true })
    process.exit(130)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    if (!(await cache.ready('5s'))) throw unreachableStore(cacheOptions, 'nothing was exported')
    const file = createWriteStream(partial, { mode: 0o600 })
    const failed = once(file, 'error').then(([error]) => Promise.reject(new Error(`cannot write ${options.out}: ${(error as Error).message}`)))
    failed.catch(() => undefined)
    try {
      const total = Number((await cache.serverInfo())?.['db0']?.match(/keys=(\d+)/)?.[1] ?? 0)
      const bar = progressBar('export', total)
      file.write(`${JSON.stringify({ format: FORMAT, version: 1, prefix: cache.keyPrefix, exportedAt: new Date().toISOString() })}\n`)
      // A filtered export carries the gateway's generations too: without their tokens, the
      // entries it restores could never be found.
      for (const pattern of glob === (options.pattern ?? '*') ? [glob] : [glob, GATEWAY_GENERATIONS]) {
        for await (const batch of cache.exportEntries(pattern)) {
          for (const entry of batch) {
            if (!file.write(`${JSON.stringify({ key: entry.key, ttlMs: entry.ttlMs, dump: entry.payload.toString('base64') })}\n`)) await Promise.race([once(file, 'drain'), failed])
            count++
          }
          bar.update(count)
        }
      }
      bar.stop()
    } finally {
      file.end()
      await Promise.race([once(file, 'close'), failed])
    }
    await rename(partial, options.out)
    done = true
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    if (!done) await unlink(partial).catch(() => undefined)
    await cache.close()
  }
  out.line(`exported ${count} entries to ${options.out}`)
  out.result({ exported: count, file: options.out })
  return 0
}

/**
 * `mcp-cache import --in FILE`: restores an export under the prefix with the
 * TTLs that remained at export time. The file is read twice, streaming: every
 * line is checked before the first write, then restored. Into a prefix that
 * holds keys already only with `--replace`: restoring tag sets and generations
 * over live ones would forget entries tagged since, and bring back entries a
 * write dropped.
 */
export async function runImport(options: StoreCliOptions & { in: string; replace?: boolean; json?: boolean }): Promise<number> {
  const out = output(options.json)
  const size = readableSize(options.in)
  let checked = 0
  for await (const _entry of exportEntriesOf(options.in)) checked++
  const cacheOptions = sharedCacheOptions(options)
  const cache = createCache({ ...cacheOptions, logger: false })
  let count = 0
  try {
    if (!(await cache.ready('5s'))) throw unreachableStore(cacheOptions, 'nothing was imported')
    if (options.replace !== true && (await cache.inspectKeys('*', '0', 10)).keys.length > 0) {
      throw new Error(`the prefix '${cache.keyPrefix.replace(/:$/, '')}' already holds keys: restoring its tag sets and generations over live ones would undo invalidations. Import into an empty prefix, or pass --replace; nothing was imported`)
    }
    const bar = progressBar('import', size, 'bytes')
    for await (const entry of exportEntriesOf(options.in)) {
      // An entry whose TTL ran out while exported is not brought back to life.
      if (entry.ttlMs === 0) continue
      try {
        await cache.importEntry(entry.key, entry.ttlMs < 0 ? 0 : entry.ttlMs, Buffer.from(entry.dump, 'base64'))
      } catch (error) {
        throw new Error(`${options.in} line ${entry.line}: Redis refused the entry (${reasonOf(error)}); the ${count} entries before it were imported`, { cause: error })
      }
      count++
      if (count % 100 === 0) bar.update(entry.read)
    }
    bar.update(size)
    bar.stop()
  } finally {
    await cache.close()
  }
  out.line(`imported ${count} entries from ${options.in}${count < checked ? ` (${checked - count} had run out while exported)` : ''}`)
  out.result({ imported: count, checked, file: options.in })
  return 0
}

/** The entries of an export file, checked line by line as they stream; an error names the file and line. */
async function* exportEntriesOf(path: string): AsyncGenerator<z.infer<typeof entryLine> & { line: number; read: number }> {
  let lineNumber = 0
  let read = 0
  const input = createReadStream(path)
  const failed = once(input, 'error').then(([error]) => Promise.reject(new Error(`cannot read ${path}: ${(error as Error).message}`)))
  failed.catch(() => undefined)
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]()
  try {
    for (;;) {
      const next = await Promise.race([lines.next(), failed])
      if (next.done === true) break
      const line = next.value
      lineNumber++
      read += Buffer.byteLength(line) + 1
      if (line.trim() === '') continue
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        throw new Error(`${path} line ${lineNumber}: not JSON; an export has one JSON object per line; nothing was imported`)
      }
      if (lineNumber === 1) {
        if (!headerLine.safeParse(parsed).success) throw new Error(`${path} is not an mcp-cache export (line 1 has no ${FORMAT} header); nothing was imported`)
        continue
      }
      const entry = entryLine.safeParse(parsed)
      if (!entry.success) throw new Error(`${path} line ${lineNumber}: expected {"key","ttlMs","dump"}; nothing was imported`)
      yield { ...entry.data, line: lineNumber, read }
    }
    if (lineNumber === 0) throw new Error(`${path} is empty: not an mcp-cache export`)
  } finally {
    input.destroy()
  }
}

/** The size of a file to read, or an error that names it and says what is wrong. */
function readableSize(path: string): number {
  let stat: ReturnType<typeof statSync>
  try {
    stat = statSync(path)
  } catch (error) {
    throw unreadableFile(path, error)
  }
  if (!stat.isFile()) throw new Error(`cannot read ${path}: it is not a file`)
  return stat.size
}

/** Throws, naming the path, unless `file` can be created in an existing, writable directory. */
function assertWritableDirectory(file: string): void {
  const directory = dirname(file)
  try {
    if (!statSync(directory).isDirectory()) throw new Error(`cannot write ${file}: ${directory} is not a directory`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`cannot write ${file}: directory ${directory} does not exist`, { cause: error })
    throw error
  }
}
