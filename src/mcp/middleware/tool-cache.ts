import type { Cache } from '../../cache/cache.js'
import type { Duration } from '../../config/duration.js'
import { buildKey } from '../../keys/build-key.js'
import { hashContent, shortHash } from '../../keys/content-hash.js'
import { acceptFor, forbidsStoring, freshnessOf } from '../freshness.js'
import { invalidateTools } from '../gateway/invalidation.js'
import { keyInGenerations, toolGeneration } from '../invalidation-targets.js'
import { principalFromContext } from './principal-of.js'
import { requestMetaOf } from './request-meta.js'

/** How one tool's results are cached. */
export interface ToolCachePolicy<Args> {
  /** How long a result is served from the cache. @default the cache's TTL for category `tool` */
  readonly ttl?: Duration
  /**
   * `user`: each principal has their own entries (patient data); `shared`: one
   * entry for everyone (reference data such as medical codes). @default 'user'
   */
  readonly scope?: 'user' | 'shared'
  /** The arguments that make up the key; the others (a trace id, a page size hint) do not split entries. @default all */
  readonly keyArgs?: ReadonlyArray<keyof Args & string>
  /** Tags to invalidate this tool's entries by later (`invalidating({ tags })`), from the call's arguments. */
  readonly tags?: (args: Args) => readonly string[]
}

/** What a write tool drops after it succeeds (or throws: it may have written before it failed). */
export interface InvalidationPolicy<Args> {
  /** Tools whose cached results become stale, for every principal. */
  readonly tools?: readonly string[]
  /** Tags whose entries become stale, from the call's arguments, for every principal. */
  readonly tags?: (args: Args) => readonly string[]
}

/** Options of {@link createToolCache}. */
export interface ToolCacheOptions {
  /**
   * Who is calling, from the callback's context. @default the verified
   * subject of the request's auth info, else a hash of its bearer token
   */
  readonly principal?: (context: unknown) => string | undefined
}

/** A tool result as the SDKs return it; only what caching looks at. */
interface ToolResult {
  readonly isError?: boolean
  readonly content?: unknown
  readonly resultType?: string
  readonly _meta?: Record<string, unknown>
}

type Callback<Args, R> = (args: Args, context: unknown) => R | Promise<R>

/** `_meta` key that says how a call was answered, as the gateway stamps it. */
const STATUS_META = 'mcp-cache/status'

/** Thrown inside the factory so an error result reaches the caller without being stored. */
class Uncacheable {
  constructor(readonly result: ToolResult) {}
}

/** What the cache holds for one result: the result and when it was stored (for `maxAgeMs`). */
interface StoredResult<R> {
  readonly result: R
  readonly storedAt: number
}

/**
 * Caching for tool callbacks of servers written with the official SDK (v2
 * `registerTool` callbacks `(args, ctx)`, and 1.x `(args, extra)`):
 *
 * ```ts
 * const tools = createToolCache(cache)
 * server.registerTool('get_patient', config, tools.cached('get_patient', { ttl: '10m' }, getPatient))
 * server.registerTool('update_patient', config, tools.invalidating({ tools: ['get_patient'] }, updatePatient))
 * ```
 *
 * Results are answered from the cache with `_meta["mcp-cache/status"]` set to
 * `hit`, `miss`, `stale` or `bypass`. Error results, input requests and
 * results marked `_meta.cache_hint: "no-cache"` are never stored. A
 * user-scoped tool called without a principal is not cached at all
 * (`bypass`): an entry nobody owns could be served to anybody. A request's
 * `_meta["mcp-cache/cacheMode"]` (`bypass`, `refresh`) and
 * `_meta["mcp-cache/maxAgeMs"]` work as through the gateway. Invalidation is
 * by generation: a write drops the named tools' and tags' entries for every
 * principal in one store write, whatever their number.
 */
export function createToolCache(cache: Cache, options: ToolCacheOptions = {}) {
  const tools = cache.namespace('tools')
  const principalOf = options.principal ?? principalFromContext

  return {
    /** Wraps a read tool's callback so its results are cached by `policy`. */
    cached<Args extends object, R extends ToolResult>(name: string, policy: ToolCachePolicy<Args>, callback: Callback<Args, R>): Callback<Args, R> {
      return async (args, context) => {
        const freshness = freshnessOf(requestMetaOf(context))
        if (!('mode' in freshness)) throw new TypeError(freshness.problem)
        const scoped = policy.scope === 'shared' ? tools : forPrincipal(tools, principalOf(context))
        if (scoped === undefined || freshness.mode === 'bypass') return stamp(await callback(args, context), 'bypass')
        const argumentsHash = hashContent(pick(args, policy.keyArgs))
        const baseKey = buildKey('tool', name, argumentsHash)
        const keyOf = (tokens: readonly string[]) => keyInGenerations(baseKey, tokens)
        const accept = acceptFor(freshness, (value) => (value as Partial<StoredResult<R>> | undefined)?.storedAt)
        const generations = [toolGeneration(name), ...(policy.tags?.(args) ?? []).map(tagGeneration)]
        const read = await tools.generationsWithEntry<StoredResult<R>>(generations, scoped, keyOf, accept)
        // The store cannot say which entries are current: neither read nor write them.
        if (read === undefined) return stamp(await callback(args, context), 'bypass')
        if (read.hit !== undefined) return stamp(read.hit.result, 'hit')
        try {
          const { value, status } = await scoped.getOrSetWithStatus(
            keyOf(read.tokens),
            async (): Promise<StoredResult<R>> => {
              const result = await callback(args, context)
              if (result.isError === true || result.resultType === 'input_required' || result.content === undefined || forbidsStoring(result)) throw new Uncacheable(result)
              return { result, storedAt: Date.now() }
            },
            { ...(policy.ttl === undefined ? {} : { ttl: policy.ttl }), ...(accept === undefined ? {} : { accept }) },
          )
          return stamp(value.result, status)
        } catch (error) {
          if (error instanceof Uncacheable) return stamp(error.result as R, 'miss')
          throw error
        }
      }
    },

    /** Wraps a write tool's callback: once it has run, drops what `policy` names, before its result is returned. */
    invalidating<Args extends object, R extends ToolResult>(policy: InvalidationPolicy<Args>, callback: Callback<Args, R>): Callback<Args, R> {
      return async (args, context) => {
        const drop = () => tools.bumpGenerations([...(policy.tools ?? []).map(toolGeneration), ...(policy.tags?.(args) ?? []).map(tagGeneration)], { reason: 'after a write tool' })
        let result: R
        try {
          result = await callback(args, context)
        } catch (error) {
          await drop()
          throw error
        }
        if (result.isError !== true) await drop()
        return result
      }
    },

    /** Drops every cached result of these tools, for every principal; resolves false when the store refused (the drop is retried). */
    invalidateTools(names: readonly string[]): Promise<boolean> {
      return invalidateTools(tools, names, 'invalidateTools')
    },
  }
}

/** What {@link createToolCache} returns. */
export type ToolCache = ReturnType<typeof createToolCache>

function forPrincipal(tools: Cache, principal: string | undefined): Cache | undefined {
  return principal === undefined ? undefined : tools.forUser(principal)
}

/** Hashed: tags name records (a patient's id), and generation names are store keys and log lines. */
function tagGeneration(tag: string): string {
  return `tag:${shortHash(tag)}`
}

function pick<Args extends object>(args: Args, keys: ReadonlyArray<keyof Args & string> | undefined): unknown {
  if (keys === undefined) return args
  return Object.fromEntries(keys.map((key) => [key, args[key]]))
}

function stamp<R extends ToolResult>(result: R, status: string): R {
  return { ...result, _meta: { ...result._meta, [STATUS_META]: status } }
}
