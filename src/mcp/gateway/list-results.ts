import type { Cache } from '../../cache/cache.js'
import { buildKey } from '../../keys/build-key.js'
import { hashContent } from '../../keys/content-hash.js'
import { requestKind } from '../caller-context.js'
import { acceptFor, forbidsStoring, freshnessFor } from '../freshness.js'
import { errorResponse, RpcCode, type JsonRpcRequest } from '../jsonrpc.js'
import { isRoundTripContinuation } from '../tool-policy.js'
import { keyInGenerations } from '../invalidation-targets.js'
import { listGenerations } from './invalidation.js'
import { fitToEra, isModernRequest } from './result-era.js'
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
 * The key of a list or read before its generations: the method and the hash
 * of the params (each pagination cursor, each URI is its own entry). `_meta`
 * is left out: it describes the caller, not the question.
 */
export function listKey(method: string, params: Record<string, unknown> | undefined): string {
  const { _meta: _ignored, ...question } = params ?? {}
  return `${buildKey('list', method)}:${hashContent(question)}`
}

/**
 * Answers lists and reads from the cache, following the spec's rules: `ttlMs`
 * (or the configured list TTL when absent), `cacheScope` (`private` entries
 * are the principal's alone; absent counts as private), never for
 * multi-round-trip results or results marked `cache_hint: "no-cache"`. Keys
 * carry the generations that writes and change notifications bump, and a
 * cached answer is shaped for the era of the request it answers.
 */
export async function handleListRequest(session: GatewaySession, request: JsonRpcRequest): Promise<void> {
  const { context } = session
  const params = request.params
  const freshness = freshnessFor(params?.['_meta'], requestKind(request.method, params))
  if (!('mode' in freshness)) {
    if (session.requests.complete(request)) await session.reply(errorResponse(request.id, RpcCode.INVALID_PARAMS, freshness.problem))
    return
  }
  if (isRoundTripContinuation(params) || freshness.mode === 'bypass') {
    bypass(session, request)
    return
  }
  const base = listKey(request.method, params)
  const keyOf = (tokens: readonly string[]) => keyInGenerations(base, tokens)
  const accept = acceptFor(freshness, (value) => (value as Partial<StoredList> | undefined)?.storedAt)
  // The principal's entry comes with the tokens (one round trip); a shared one takes a second read.
  // A caller without credentials has no entries of its own: only shared ones are looked at.
  const own = session.userCache
  const read = await context.upstreamCache.generationsWithEntry<StoredList>(listGenerations(request.method, params), own ?? context.upstreamCache, keyOf, accept)
  if (!session.requests.isCurrent(request)) return
  // The store cannot say which entries are current: neither read nor write them.
  if (read === undefined) {
    bypass(session, request)
    return
  }
  const key = keyOf(read.tokens)
  const taken = (entry: StoredList | undefined) => (entry !== undefined && (accept === undefined || accept(entry)) ? entry : undefined)
  const cached = read.hit ?? (own === undefined ? undefined : taken(await own.get<StoredList>(key))) ?? taken(await context.upstreamCache.get<StoredList>(key))
  if (cached !== undefined) {
    observeTools(session, request, cached.result)
    if (!session.requests.complete(request)) return
    const result = fitToEra(cached.result, isModernRequest(request))
    session.spanOf(request)?.cache({ status: 'hit', ageMs: Date.now() - cached.storedAt })
    await session.reply({ jsonrpc: '2.0', id: request.id, result: stamp(context.config.statusMeta, result, 'hit', Date.now() - cached.storedAt) })
    return
  }
  session.spanOf(request)?.cache({ status: 'miss' })
  session.forward(request, (result) => {
    observeTools(session, request, result)
    const ttl = typeof result['ttlMs'] === 'number' ? result['ttlMs'] : context.config.lists.ttl
    const complete = result['resultType'] === undefined || result['resultType'] === 'complete'
    const cache: Cache | undefined = result['cacheScope'] === 'public' ? context.upstreamCache : own
    if (ttl > 0 && complete && !forbidsStoring(result) && cache !== undefined) {
      cache.set(key, { result, storedAt: Date.now() } satisfies StoredList, { ttl }).catch((error: unknown) => {
        context.logger?.warn({ method: request.method, err: context.reason(error) }, `mcp-cache: could not store a ${request.method} result`)
      })
    }
    return stamp(context.config.statusMeta, result, 'miss')
  })
}

/** Forwards a list or read the cache neither answers nor stores. */
function bypass(session: GatewaySession, request: JsonRpcRequest): void {
  session.spanOf(request)?.cache({ status: 'bypass' })
  session.forward(request, (result) => {
    observeTools(session, request, result)
    return stamp(session.context.config.statusMeta, result, 'bypass')
  })
}

/** Every `tools/list` page that passes teaches the catalog the upstream's tools. */
function observeTools(session: GatewaySession, request: JsonRpcRequest, result: Record<string, unknown>): void {
  if (request.method === 'tools/list') session.catalog.observe(result, request.params?.['cursor'] === undefined)
}
