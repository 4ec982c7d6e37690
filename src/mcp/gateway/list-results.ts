import type { Cache } from '../../cache/cache.js'
import { buildKey } from '../../keys/build-key.js'
import { hashContent } from '../../keys/content-hash.js'
import type { JsonRpcRequest } from '../jsonrpc.js'
import { isRoundTripContinuation } from '../tool-policy.js'
import type { GatewaySession } from './session.js'
import { stamp } from './status-meta.js'

/** Methods whose results the spec lets clients and intermediaries cache (ttlMs / cacheScope). */
const CACHED_LIST_METHODS = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read'])

/** True for a method whose result the gateway may answer from the cache. */
export function isCachedListMethod(method: string): boolean {
  return CACHED_LIST_METHODS.has(method)
}

interface StoredList {
  readonly result: Record<string, unknown>
  readonly storedAt: number
}

/**
 * The key of a list or read: method, the resource URI for reads (so a
 * `resources/updated` can find it), and the hash of the other params (each
 * pagination cursor is its own entry). `_meta` is left out: it describes the
 * caller, not the question.
 */
export function listKey(method: string, params: Record<string, unknown> | undefined): string {
  const { _meta: _ignored, ...question } = params ?? {}
  const base = method === 'resources/read' ? buildKey('list', method, hashContent(question['uri'] ?? null)) : buildKey('list', method)
  return `${base}:${hashContent(question)}`
}

/** The pattern of every entry of a method (and, for reads, of one URI). */
export function listPattern(method: string, uri?: string): string {
  return method === 'resources/read' && uri !== undefined ? `${buildKey('list', method, hashContent(uri))}:*` : `${buildKey('list', method)}:*`
}

/**
 * Answers lists and reads from the cache, following the spec's rules: `ttlMs`
 * (or the configured list TTL when absent), `cacheScope` (`private` entries
 * are the principal's alone; absent counts as private), never for
 * multi-round-trip results.
 */
export async function handleListRequest(session: GatewaySession, request: JsonRpcRequest): Promise<void> {
  const { context } = session
  const params = request.params
  if (isRoundTripContinuation(params)) {
    session.forward(request, (result) => stamp(session.context.config.statusMeta, result, 'bypass'))
    return
  }
  const key = listKey(request.method, params)
  const cached = (await session.userCache.get<StoredList>(key)) ?? (await context.upstreamCache.get<StoredList>(key))
  if (cached !== undefined) {
    if (request.method === 'tools/list') session.catalog.observe(cached.result, params?.['cursor'] === undefined)
    if (!session.requests.complete(request)) return
    await session.reply({ jsonrpc: '2.0', id: request.id, result: stamp(session.context.config.statusMeta, cached.result, 'hit', Date.now() - cached.storedAt) })
    return
  }
  session.forward(request, (result) => {
    if (request.method === 'tools/list') session.catalog.observe(result, params?.['cursor'] === undefined)
    const ttl = typeof result['ttlMs'] === 'number' ? result['ttlMs'] : context.config.lists.ttl
    const complete = result['resultType'] === undefined || result['resultType'] === 'complete'
    if (ttl > 0 && complete) {
      const cache: Cache = result['cacheScope'] === 'public' ? context.upstreamCache : session.userCache
      void cache.set(key, { result, storedAt: Date.now() } satisfies StoredList, { ttl }).catch(() => undefined)
    }
    return stamp(session.context.config.statusMeta, result, 'miss')
  })
}

