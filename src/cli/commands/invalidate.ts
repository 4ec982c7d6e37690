import { createCache } from '../../cache/create-cache.js'
import { loadConfig } from '../../config/load-config.js'
import { output } from '../output.js'

/** What `mcp-cache invalidate` deletes. */
export interface InvalidateOptions {
  readonly json?: boolean
  readonly pattern?: string
  readonly tag?: string[]
  readonly key?: string[]
}

/** `mcp-cache invalidate --pattern P | --tag T | --key K`: deletes inside the cache's namespace, reports how many. */
export async function runInvalidate(options: InvalidateOptions): Promise<number> {
  const out = output(options.json)
  if (options.pattern === undefined && options.tag === undefined && options.key === undefined) {
    throw new Error('say what to invalidate: --pattern "experiment:exp_123*", --tag exp:exp_123 or --key user:456:profile')
  }
  const cache = createCache({ ...loadConfig(), logger: false })
  let deleted = 0
  try {
    if (!(await cache.ready('5s'))) throw new Error('the store is not reachable; nothing was deleted (run mcp-cache doctor)')
    if (options.pattern !== undefined) deleted += await cache.deleteByPattern(options.pattern)
    if (options.tag !== undefined) deleted += await cache.invalidateTags(options.tag)
    if (options.key !== undefined) deleted += await cache.delete(...options.key)
  } finally {
    await cache.close()
  }
  out.line(`deleted ${deleted} entr${deleted === 1 ? 'y' : 'ies'}`)
  out.result({ deleted })
  return 0
}
