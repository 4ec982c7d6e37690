import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { createCache } from '../../cache/create-cache.js'
import { loadConfig } from '../../config/load-config.js'
import { output } from '../output.js'
import { progressBar } from '../progress.js'

const FORMAT = 'mcp-cache-export'
const headerLine = z.object({ format: z.literal(FORMAT), version: z.literal(1), prefix: z.string(), exportedAt: z.string() })
const entryLine = z.object({ key: z.string().min(1), ttlMs: z.number(), dump: z.string().min(1) })

/**
 * `mcp-cache export --out FILE`: streams the namespace's entries as JSON lines
 * (Redis DUMP payloads, base64, with their remaining TTL), with a progress bar.
 */
export async function runExport(options: { out: string; pattern: string; json?: boolean }): Promise<number> {
  const out = output(options.json)
  const config = loadConfig()
  const cache = createCache({ ...config, logger: false })
  const file = createWriteStream(options.out, { mode: 0o600 })
  let count = 0
  try {
    if (!(await cache.ready('5s'))) throw new Error('the store is not reachable; nothing was exported (run mcp-cache doctor)')
    const total = Number((await cache.serverInfo())?.['db0']?.match(/keys=(\d+)/)?.[1] ?? 0)
    const bar = progressBar('export', total)
    file.write(`${JSON.stringify({ format: FORMAT, version: 1, prefix: cache.keyPrefix, exportedAt: new Date().toISOString() })}\n`)
    for await (const batch of cache.exportEntries(options.pattern)) {
      for (const entry of batch) {
        if (!file.write(`${JSON.stringify({ key: entry.key, ttlMs: entry.ttlMs, dump: entry.payload.toString('base64') })}\n`)) await once(file, 'drain')
        count++
      }
      bar.update(count)
    }
    bar.stop()
  } finally {
    file.end()
    await once(file, 'close')
    await cache.close()
  }
  out.line(`exported ${count} entries to ${options.out}`)
  out.result({ exported: count, file: options.out })
  return 0
}

/**
 * `mcp-cache import --in FILE`: restores an export into the namespace with the
 * TTLs that remained at export time; a bad line stops with its line number.
 */
export async function runImport(options: { in: string; json?: boolean }): Promise<number> {
  const out = output(options.json)
  const cache = createCache({ ...loadConfig(), logger: false })
  const size = statSync(options.in).size
  let count = 0
  let lineNumber = 0
  let read = 0
  try {
    if (!(await cache.ready('5s'))) throw new Error('the store is not reachable; nothing was imported (run mcp-cache doctor)')
    const bar = progressBar('import', size, 'bytes')
    for await (const line of createInterface({ input: createReadStream(options.in), crlfDelay: Infinity })) {
      lineNumber++
      read += Buffer.byteLength(line) + 1
      if (line.trim() === '') continue
      const parsed: unknown = JSON.parse(line)
      if (lineNumber === 1) {
        if (!headerLine.safeParse(parsed).success) throw new Error(`${options.in} is not an mcp-cache export (line 1 has no ${FORMAT} header)`)
        continue
      }
      const entry = entryLine.safeParse(parsed)
      if (!entry.success) throw new Error(`${options.in} line ${lineNumber}: expected {"key","ttlMs","dump"}`)
      // An entry whose TTL ran out while exported is not brought back to life.
      if (entry.data.ttlMs === 0) continue
      await cache.importEntry(entry.data.key, entry.data.ttlMs < 0 ? 0 : entry.data.ttlMs, Buffer.from(entry.data.dump, 'base64'))
      count++
      if (count % 100 === 0) bar.update(read)
    }
    bar.update(size)
    bar.stop()
  } finally {
    await cache.close()
  }
  out.line(`imported ${count} entries from ${options.in}`)
  out.result({ imported: count, file: options.in })
  return 0
}
