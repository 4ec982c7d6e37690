import type { Cache } from '../../cache/cache.js'
import type { Duration } from '../../config/duration.js'
import { buildKey } from '../../keys/build-key.js'
import { hashContent } from '../../keys/content-hash.js'
import { deleteToolResults } from '../gateway/invalidation.js'
import { principalFromContext } from './principal-of.js'

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
  /** Tags to invalidate this tool's entries by later. */
  readonly tags?: (args: Args) => readonly string[]
}

/** What a write tool drops after it succeeds. */
export interface InvalidationPolicy<Args> {
  /** Tools whose cached results become stale (for every principal). */
  readonly tools?: readonly string[]
  /** Tags to invalidate, from the call's arguments: in shared entries and the caller's own. */
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
 * `hit`, `miss` or `stale`. Error results and input requests are never stored.
 * A user-scoped tool called without a principal is not cached at all
 * (`bypass`): an entry nobody owns could be served to anybody.
 */
export function createToolCache(cache: Cache, options: ToolCacheOptions = {}) {
  const tools = cache.namespace('tools')
  const principalOf = options.principal ?? principalFromContext

  return {
    /** Wraps a read tool's callback so its results are cached by `policy`. */
    cached<Args extends object, R extends ToolResult>(name: string, policy: ToolCachePolicy<Args>, callback: Callback<Args, R>): Callback<Args, R> {
      return async (args, context) => {
        const scoped = policy.scope === 'shared' ? tools : forPrincipal(tools, principalOf(context))
        if (scoped === undefined) return stamp(await callback(args, context), 'bypass')
        const key = buildKey('tool', name, hashContent(pick(args, policy.keyArgs)))
        try {
          const { value, status } = await scoped.getOrSetWithStatus(
            key,
            async () => {
              const result = await callback(args, context)
              if (result.isError === true || result.resultType === 'input_required' || result.content === undefined) throw new Uncacheable(result)
              return result
            },
            { ...(policy.ttl === undefined ? {} : { ttl: policy.ttl }), ...(policy.tags === undefined ? {} : { tags: policy.tags(args) }) },
          )
          return stamp(value, status)
        } catch (error) {
          if (error instanceof Uncacheable) return stamp(error.result as R, 'miss')
          throw error
        }
      }
    },

    /** Wraps a write tool's callback: after a successful call, drops what `policy` names. */
    invalidating<Args extends object, R extends ToolResult>(policy: InvalidationPolicy<Args>, callback: Callback<Args, R>): Callback<Args, R> {
      return async (args, context) => {
        const result = await callback(args, context)
        if (result.isError !== true) await invalidate(tools, forPrincipal(tools, principalOf(context)), policy, args)
        return result
      }
    },

    /** Drops every cached result of these tools, for every principal; resolves to how many. */
    async invalidateTools(names: readonly string[]): Promise<number> {
      return deleteToolResults(tools, 'tool', names, 'invalidateTools')
    },
  }
}

/** What {@link createToolCache} returns. */
export type ToolCache = ReturnType<typeof createToolCache>

function forPrincipal(tools: Cache, principal: string | undefined): Cache | undefined {
  return principal === undefined ? undefined : tools.forUser(principal)
}

async function invalidate<Args>(tools: Cache, caller: Cache | undefined, policy: InvalidationPolicy<Args>, args: Args): Promise<void> {
  const reason = { reason: 'after a write tool' }
  await deleteToolResults(tools, 'tool', policy.tools ?? [], reason.reason)
  if (policy.tags === undefined) return
  // Tag sets live per namespace: this reaches shared entries and the caller's own, not other principals'
  // (name the tools to drop everyone's).
  const tags = policy.tags(args)
  await tools.invalidateTags(tags, reason)
  await caller?.invalidateTags(tags, reason)
}

function pick<Args extends object>(args: Args, keys: ReadonlyArray<keyof Args & string> | undefined): unknown {
  if (keys === undefined) return args
  return Object.fromEntries(keys.map((key) => [key, args[key]]))
}

function stamp<R extends ToolResult>(result: R, status: string): R {
  return { ...result, _meta: { ...result._meta, [STATUS_META]: status } }
}
