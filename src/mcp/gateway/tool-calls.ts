import type { Cache } from '../../cache/cache.js'
import { buildKey } from '../../keys/build-key.js'
import { hashContent, shortHash } from '../../keys/content-hash.js'
import { errorResponse, RpcCode, type JsonRpcMessage, type JsonRpcRequest } from '../jsonrpc.js'
import { decideToolCall, isCacheableResult, type CallDecision, isRoundTripContinuation, keyArguments, scopeOf } from '../tool-policy.js'
import type { GatewaySession } from './session.js'
import { UpstreamError } from './session.js'
import { fitToEra, isModernRequest } from './result-era.js'
import { stamp, type GatewayStatus } from './status-meta.js'

/** What the cache holds for one tool result: the result and when it was stored. */
interface StoredResult {
  readonly result: Record<string, unknown>
  readonly storedAt: number
}

/** A result that must reach the waiting callers but not the cache (isError, input_required). */
class UncacheableResult extends Error {
  constructor(readonly result: Record<string, unknown>) {
    super('uncacheable result')
  }
}

/** Where a cacheable call's result lives, and for how long it is kept. */
interface CallPlan {
  readonly decision: Extract<CallDecision, { cache: true }>
  readonly cache: Cache
  readonly key: string
}

/** The cache and key of a call of `name`, or undefined when the policy does not cache it. */
function planCall(session: GatewaySession, name: string, params: Record<string, unknown>): CallPlan | undefined {
  const tool = session.catalog.get(name)
  const decision = decideToolCall(session.context.config, name, tool)
  if (!decision.cache) return undefined
  const cache = decision.scope === 'user' ? session.userCache : session.context.upstreamCache
  const category = decision.mode === 'dedupe' ? 'dedupe' : 'call'
  const key = `${buildKey(category, name, tool?.definitionHash ?? 'unlisted')}:${hashContent(keyArguments(params['arguments'], decision.keyArgs))}`
  return { decision, cache, key }
}

/** Counts a finished call and writes its audit line. */
function recordCall(session: GatewaySession, name: unknown, started: number, status: string, keyHash?: string): void {
  const { context } = session
  context.toolStats.count(String(name), status)
  context.audit?.({ event: 'tool_call', principal: shortHash(session.principal), tool: String(name), keyHash, status, ms: Math.round(performance.now() - started) })
}

/**
 * The answer to a `tools/call` whose result the in-process tier holds fresh,
 * else undefined: the call then takes the full path of {@link handleToolCall},
 * which reads Redis once. The HTTP front uses it to answer a hit as one JSON
 * body instead of opening the transport's event stream per request; a hit has
 * no progress to stream.
 */
export async function answerFromCache(session: GatewaySession, request: JsonRpcRequest): Promise<JsonRpcMessage | undefined> {
  const params = request.params ?? {}
  const name = params['name']
  if (typeof name !== 'string' || isRoundTripContinuation(params)) return undefined
  await loadCatalog(session, request)
  const plan = planCall(session, name, params)
  // A dedupe hit also runs the tool's invalidations: left to the full path.
  if (plan === undefined || plan.decision.mode !== 'cache') return undefined
  const started = performance.now()
  const stored = plan.cache.getInProcess<StoredResult>(plan.key)
  if (stored === undefined) return undefined
  recordCall(session, name, started, 'hit', shortHash(plan.cache.keyPrefix + plan.key))
  return { jsonrpc: '2.0', id: request.id, result: cachedAnswer(session, request, stored.value.result, 'hit', Date.now() - stored.value.storedAt) }
}

/** A result that went through the cache, for `request`: shaped for its protocol era and stamped with the status. */
function cachedAnswer(session: GatewaySession, request: JsonRpcRequest, result: Record<string, unknown>, status: GatewayStatus, ageMs?: number): Record<string, unknown> {
  return stamp(session.context.config.statusMeta, fitToEra(result, isModernRequest(request)), status, ageMs)
}

/**
 * Answers a `tools/call`: from the cache when the policy allows and an entry
 * exists, otherwise upstream, sharing one upstream call among identical calls
 * in flight. A store failure only means the call goes upstream.
 */
export async function handleToolCall(session: GatewaySession, request: JsonRpcRequest): Promise<void> {
  const { context } = session
  const params = request.params ?? {}
  const name = params['name']
  const started = performance.now()
  const audit = (status: string, keyHash?: string) => recordCall(session, name, started, status, keyHash)
  if (typeof name !== 'string' || isRoundTripContinuation(params)) {
    session.forward(request, (result) => {
      audit('bypass')
      return stamp(session.context.config.statusMeta, result, 'bypass')
    })
    return
  }
  await loadCatalog(session, request)
  if (!session.requests.isCurrent(request)) return // cancelled while the tools were listed
  const plan = planCall(session, name, params)
  if (plan === undefined) {
    session.forward(request, (result) => {
      if (result['isError'] !== true) runInvalidationsLogged(session, name)
      audit('bypass')
      return stamp(session.context.config.statusMeta, result, 'bypass')
    })
    return
  }

  const { decision, cache, key } = plan
  const flightKey = cache.keyPrefix + key
  const flight = context.flights.get(flightKey)
  let cancelUpstream: (() => void) | undefined
  if (flight === undefined) {
    context.flights.set(flightKey, { waiters: 1, cancel: () => cancelUpstream?.() })
  } else flight.waiters++
  let cancelled = false
  session.requests.onCancel(request, () => {
    cancelled = true
    const current = context.flights.get(flightKey)
    if (current !== undefined && --current.waiters === 0) {
      context.flights.delete(flightKey)
      current.cancel()
    }
  })

  const factory = async (): Promise<StoredResult> => {
    const forwarded = { ...params }
    const result = await session.requestUpstream('tools/call', forwarded, (cancel) => (cancelUpstream = cancel))
    if (!isCacheableResult(result)) throw new UncacheableResult(result)
    return { result, storedAt: Date.now() }
  }

  try {
    const outcome = await cache.getOrSetWithStatus(key, factory, { ttl: decision.ttl })
    // The entry's write is queued, not sent: the Redis client writes on the next turn of the
    // event loop. Answer after it, so a call this answer prompts, on another gateway sharing
    // the Redis, finds the entry there instead of calling the upstream again.
    if (outcome.status === 'miss') await new Promise((resolve) => setImmediate(resolve))
    if (!session.requests.complete(request) || cancelled) return
    const age = outcome.status === 'miss' ? undefined : Date.now() - outcome.value.storedAt
    audit(outcome.status, shortHash(flightKey))
    await session.reply({ jsonrpc: '2.0', id: request.id, result: cachedAnswer(session, request, outcome.value.result, outcome.status, age) })
    if (decision.mode === 'dedupe' || outcome.status === 'miss') runInvalidationsLogged(session, name)
  } catch (error) {
    if (!session.requests.complete(request) || cancelled) return
    audit(error instanceof UncacheableResult ? 'miss' : 'error', shortHash(flightKey))
    if (error instanceof UncacheableResult) {
      await session.reply({ jsonrpc: '2.0', id: request.id, result: cachedAnswer(session, request, error.result, 'miss') })
    } else if (error instanceof UpstreamError) {
      await session.reply(errorResponse(request.id, error.code, error.message))
    } else {
      await session.reply(errorResponse(request.id, RpcCode.INTERNAL_ERROR, `mcp-cache: ${(error as Error).message}`))
    }
  } finally {
    const current = context.flights.get(flightKey)
    if (current !== undefined && !cancelled && --current.waiters <= 0) context.flights.delete(flightKey)
  }
}

/** Learns the upstream's tools (annotations, definition hashes) before the first decision. */
async function loadCatalog(session: GatewaySession, request: JsonRpcRequest): Promise<void> {
  if (session.catalog.loaded) return
  const meta = request.params?.['_meta'] as Record<string, unknown> | undefined
  // Stateless (2026-07-28) servers need the caller's protocol metadata on every request.
  const { progressToken: _progress, ...carried } = meta ?? {}
  try {
    await session.catalog.ensure((cursor) =>
      session.requestUpstream('tools/list', { ...(cursor === undefined ? {} : { cursor }), ...(meta === undefined ? {} : { _meta: carried }) }),
    )
  } catch (error) {
    session.context.logger?.warn({ err: (error as Error).message }, 'mcp-cache: could not list the upstream tools; only rules decide caching')
  }
}

/** Runs {@link runInvalidations} without waiting; a failure is logged, never thrown. */
function runInvalidationsLogged(session: GatewaySession, name: string): void {
  runInvalidations(session, name).catch((error: unknown) => {
    session.context.logger?.warn({ tool: name, err: session.context.reason(error) }, `mcp-cache: invalidations after ${name} failed`)
  })
}

/** Drops the cached results of the tools a write tool names in `invalidates`. */
export async function runInvalidations(session: GatewaySession, name: string): Promise<void> {
  const { config, upstreamCache } = session.context
  for (const target of config.tools[name]?.invalidates ?? []) {
    const cache: Cache = scopeOf(config, target) === 'user' ? session.userCache : upstreamCache
    await cache.deleteByPattern(`${buildKey('call', target)}:*`, { reason: `after ${name}` })
  }
}

