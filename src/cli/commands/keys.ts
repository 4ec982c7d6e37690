import { createCache } from '../../cache/create-cache.js'
import { sharedCacheOptions, unreachableStore, type StoreCliOptions } from '../store-flags.js'
import { formatDuration } from '../../config/duration.js'
import { entryGlob, type EntryFilter } from '../entry-filter.js'
import { output } from '../output.js'

/** `mcp-cache keys <pattern>`: keys of the cache's namespace with TTL and size (SCAN, never KEYS; never values). */
export async function runKeys(pattern: string, options: StoreCliOptions & EntryFilter & { json?: boolean; limit: number }): Promise<number> {
  const out = output(options.json)
  const glob = entryGlob({ ...options, pattern })
  const cacheOptions = sharedCacheOptions(options)
  const cache = createCache({ ...cacheOptions, logger: false })
  const found: Array<{ key: string; ttlMs: number; bytes: number }> = []
  try {
    if (!(await cache.ready('5s'))) throw unreachableStore(cacheOptions, 'nothing to list')
    let cursor = '0'
    do {
      const page = await cache.inspectKeys(glob, cursor, 500)
      found.push(...page.keys)
      cursor = page.cursor
    } while (cursor !== '0' && found.length < options.limit)
  } finally {
    await cache.close()
  }
  const shown = found.slice(0, options.limit)
  for (const { key, ttlMs, bytes } of shown) out.line(`${key}  ttl ${ttlMs < 0 ? 'none' : formatDuration(ttlMs)}  ${bytes} B`)
  out.line(`${shown.length} key(s)${found.length > shown.length ? ` (more: raise --limit)` : ''}`)
  out.result({ pattern: glob, keys: shown })
  return 0
}
