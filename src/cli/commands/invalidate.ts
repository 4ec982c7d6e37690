import { createCache } from '../../cache/create-cache.js'
import { sharedCacheOptions, unreachableStore, type StoreCliOptions } from '../store-flags.js'
import { entryGlob, toolGenerationGlob } from '../entry-filter.js'
import { output } from '../output.js'

/** What `mcp-cache invalidate` deletes. */
export interface InvalidateOptions extends StoreCliOptions {
  readonly json?: boolean
  readonly pattern?: string
  readonly tag?: string[]
  readonly key?: string[]
  /** A gateway tool: its cached results, for every principal. */
  readonly tool?: string
  /** One principal's entries. */
  readonly principal?: string
}

/** `mcp-cache invalidate --pattern P | --tag T | --key K`: deletes inside the cache's namespace, reports how many. */
export async function runInvalidate(options: InvalidateOptions): Promise<number> {
  const out = output(options.json)
  if (options.pattern === undefined && options.tag === undefined && options.key === undefined && options.tool === undefined && options.principal === undefined) {
    throw new Error('say what to invalidate: --pattern "experiment:exp_123*", --tag exp:exp_123, --key user:456:profile, --tool get_patient or --principal h.alice')
  }
  const gatewayGlob = options.tool === undefined && options.principal === undefined ? undefined : entryGlob({ tool: options.tool, principal: options.principal })
  const cacheOptions = sharedCacheOptions(options)
  const cache = createCache({ ...cacheOptions, logger: false })
  let deleted = 0
  try {
    if (!(await cache.ready('5s'))) throw unreachableStore(cacheOptions, 'nothing was deleted')
    if (options.pattern !== undefined) deleted += await cache.deleteByPattern(options.pattern)
    if (options.tag !== undefined) deleted += await cache.invalidateTags(options.tag)
    if (options.key !== undefined) deleted += await cache.delete(...options.key)
    if (gatewayGlob !== undefined) deleted += await cache.deleteByPattern(gatewayGlob)
    // Every principal's results of the tool: its generations go too, so a read in flight stores where nobody looks.
    if (options.tool !== undefined && options.principal === undefined) await cache.deleteByPattern(toolGenerationGlob(options.tool))
  } finally {
    await cache.close()
  }
  out.line(`deleted ${deleted} entr${deleted === 1 ? 'y' : 'ies'}`)
  out.result({ deleted })
  return 0
}
