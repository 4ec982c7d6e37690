import type { Cache } from '../../cache/cache.js'
import { buildKey } from '../../keys/build-key.js'
import { hashContent, shortHash } from '../../keys/content-hash.js'
import { requestKind } from '../caller-context.js'
import { acceptFor, freshnessFor } from '../freshness.js'
import { keyInGenerations } from '../invalidation-targets.js'
import { errorResponse, RpcCode, type JsonRpcMessage, type JsonRpcRequest } from '../jsonrpc.js'
import { decideToolCall, isCacheableResult, isCompletedResult, isReadCall, isRoundTripContinuation, keyArguments, type CallDecision } from '../tool-policy.js'
import type { GatewaySession } from './session.js'
import { UpstreamError } from './session.js'
import { fitToEra, isModernRequest } from './result-era.js'
import { stamp, type GatewayStatus } from './status-meta.js'

/** What the cache holds for one tool result: the result and when it was stored. */
interface StoredResult {
  readonly result: Record<string, unknown>
  readonly storedAt: number
}

/** A result that must reach the waiting callers but not the cache (isError, input_required, no-cache). */
class UncacheableResult extends Error {
  constructor(readonly result: Record<string, unknown>) {
    super('uncacheable result')
  }
}

/** How the policy treats one call of a tool. */
interface CallPlan {
  readonly name: string
  readonly decision: CallDecision
  /** Generations a completed call drops before its answer is sent: empty for reads. */
  readonly drops: readonly string[]
  /** `{category}:{tool}:{definition}:{arguments}`: the entry's key before its generations. */
  readonly baseKey: string
}

/** Where a cacheable call's result lives. */
interface CacheSlot {
  readonly decision: Extract<CallDecision, { cache: true }>
  readonly cache: Cache
  readonly key: string
  /** Stable across generations: names the entry in the audit log and the flight register. */
  readonly entryKey: string
}

function planCall(session: GatewaySession, name: string, params: Record<string, unknown>): CallPlan {
  const { config, invalidation } = session.context
  const tool = session.catalog.get(name)
  const decision = decideToolCall(config, name, tool)
  const args = params['arguments']
  const drops = invalidation.writeGenerations(name, args, isReadCall(config, decision, tool))
  const category = decision.cache && decision.mode === 'dedupe' ? 'dedupe' : 'call'
  const keyArgs = decision.cache ? decision.keyArgs : undefined
  const baseKey = `${buildKey(category, name, tool?.definitionHash ?? 'unlisted')}:${hashContent(keyArguments(args, keyArgs))}`
  return { name, decision, drops, baseKey }
}

/** The slot of a cacheable call; `tokens` are the read's generations (none for a write's dedupe window). */
function slotOf(cache: Cache, plan: CallPlan, decision: Extract<CallDecision, { cache: true }>, tokens: readonly string[]): CacheSlot {
  return { decision, cache, key: keyInGenerations(plan.baseKey, tokens), entryKey: cache.keyPrefix + plan.baseKey }
}

/** The principal's namespace for user-scoped entries (none without credentials), the tenant's for tenant-scoped ones, the upstream's for shared ones. */
function cacheOf(session: GatewaySession, decision: Extract<CallDecision, { cache: true }>): Cache | undefined {
  if (decision.scope === 'user') return session.userCache
  return decision.scope === 'tenant' ? session.tenantCache : session.context.upstreamCache
}

/** When a stored result was stored (for `maxAgeMs`). */
const storedAtOf = (value: unknown): number | undefined => (value as Partial<StoredResult> | undefined)?.storedAt

/** The generations a read's key carries. */
function readGenerations(session: GatewaySession, plan: CallPlan, params: Record<string, unknown>): string[] {
  return session.context.invalidation.readGenerations(plan.name, params['arguments'])
}

/**
 * The name a tool is counted under: its own when the upstream lists it, else `(unlisted)`. Names
 * come from clients: junk ones must not fill the per-tool table (and its Prometheus labels) and
 * fold the real tools into `other`.
 */
function statsName(session: GatewaySession, name: unknown): string {
  return typeof name === 'string' && session.catalog.get(name) !== undefined ? name : '(unlisted)'
}

/** Counts a finished call and writes its audit line. */
function recordCall(session: GatewaySession, name: unknown, started: number, status: string, keyHash?: string): void {
  const { context } = session
  context.toolStats.count(statsName(session, name), status)
  context.audit?.({ event: 'tool_call', principal: shortHash(session.principal ?? 'anonymous'), tool: String(name), keyHash, status, ms: Math.round(performance.now() - started) })
}

/** Puts how the cache answered on the request's span (tracing on only). */
function traceCache(session: GatewaySession, request: JsonRpcRequest, status: string, ageMs?: number, scope?: string): void {
  session.spanOf(request)?.cache({ status, ageMs, scope }, statsName(session, request.params?.['name']))
}

/**
 * The answer to a `tools/call` whose result the in-process tier holds fresh,
 * generations included, else undefined: the call then takes the full path of
 * {@link handleToolCall}. The HTTP front uses it to answer a hit as one JSON
 * body instead of opening the transport's event stream per request; a hit has
 * no progress to stream.
 */
export async function answerFromCache(session: GatewaySession, request: JsonRpcRequest, traceHeaders?: Readonly<Record<string, string>>): Promise<JsonRpcMessage | undefined> {
  const arrivedAt = performance.now()
  const params = request.params ?? {}
  const name = params['name']
  if (typeof name !== 'string' || isRoundTripContinuation(params)) return undefined
  const freshness = freshnessFor(params['_meta'], requestKind('tools/call', params))
  if (!('mode' in freshness) || freshness.mode !== 'use' || freshness.maxAgeMs !== undefined) return undefined
  await loadCatalog(session, request)
  const plan = planCall(session, name, params)
  if (!plan.decision.cache || plan.decision.mode !== 'cache') return undefined
  const cache = cacheOf(session, plan.decision)
  if (cache === undefined) return undefined
  const tokens = session.context.upstreamCache.generationsInProcess(readGenerations(session, plan, params))
  if (tokens === undefined) return undefined
  const slot = slotOf(cache, plan, plan.decision, tokens)
  const started = performance.now()
  const stored = slot.cache.getInProcess<StoredResult>(slot.key)
  if (stored === undefined) return undefined
  recordCall(session, name, started, 'hit', shortHash(slot.entryKey))
  const ageMs = Date.now() - stored.value.storedAt
  const answer: JsonRpcMessage = { jsonrpc: '2.0', id: request.id, result: cachedAnswer(session, request, stored.value.result, 'hit', ageMs) }
  // Answered here, not by the session: this hit's span starts and ends here.
  const tracer = session.context.tracer
  if (tracer !== undefined) {
    const span = tracer.serverSpan(request, session.origin(), traceHeaders, arrivedAt)
    span.cache({ status: 'hit', ageMs, scope: plan.decision.scope }, statsName(session, name))
    span.end(answer)
  }
  return answer
}

/** A result that went through the cache, for `request`: shaped for its protocol era and stamped with the status. */
function cachedAnswer(session: GatewaySession, request: JsonRpcRequest, result: Record<string, unknown>, status: GatewayStatus, ageMs?: number): Record<string, unknown> {
  return stamp(session.context.config.statusMeta, fitToEra(result, isModernRequest(request)), status, ageMs)
}

/**
 * Answers a `tools/call`: from the cache when the policy and the caller allow
 * and an entry of the current generations exists, otherwise upstream, sharing
 * one upstream call among identical calls in flight. A call that may write
 * drops what it makes stale before its answer is sent. A store failure only
 * means the call goes upstream.
 */
export async function handleToolCall(session: GatewaySession, request: JsonRpcRequest): Promise<void> {
  const params = request.params ?? {}
  const name = params['name']
  const started = performance.now()
  if (typeof name !== 'string') {
    traceCache(session, request, 'bypass')
    passThrough(session, request, name, [], started)
    return
  }
  const freshness = freshnessFor(params['_meta'], requestKind('tools/call', params))
  if (!('mode' in freshness)) {
    if (session.requests.complete(request)) await session.reply(errorResponse(request.id, RpcCode.INVALID_PARAMS, freshness.problem))
    return
  }
  await loadCatalog(session, request)
  if (!session.requests.isCurrent(request)) return // cancelled while the tools were listed
  const plan = planCall(session, name, params)
  const { decision } = plan
  // A continuation of a multi-round-trip call finishes it upstream (and may finish a write). A
  // user-scoped call without credentials has no principal whose entry it could be.
  const cache = decision.cache ? cacheOf(session, decision) : undefined
  // A caller's own "refresh" of a write runs it again, unrecorded; the gateway's (an unproven
  // caller) runs it and records it, so that caller's retry is still de-duplicated.
  const rerun = decision.cache && decision.mode === 'dedupe' && freshness.mode === 'refresh' && freshness.unproven !== true
  const uncached = !decision.cache || cache === undefined || freshness.mode === 'bypass' || isRoundTripContinuation(params) || rerun
  if (uncached) {
    traceCache(session, request, 'bypass')
    passThrough(session, request, name, plan.drops, started)
    return
  }
  if (decision.mode === 'dedupe') {
    await cachedCall(session, request, plan, slotOf(cache, plan, decision, []), freshness.unproven === true ? () => false : undefined, started)
    return
  }
  const accept = acceptFor(freshness, storedAtOf)
  const names = readGenerations(session, plan, params)
  const read = await session.context.upstreamCache.generationsWithEntry<StoredResult>(names, cache, (tokens) => keyInGenerations(plan.baseKey, tokens), accept)
  if (!session.requests.isCurrent(request)) return
  // The store cannot say which entries are current: neither read nor write them.
  if (read === undefined) {
    traceCache(session, request, 'bypass')
    passThrough(session, request, name, plan.drops, started)
    return
  }
  const slot = slotOf(cache, plan, decision, read.tokens)
  if (read.hit === undefined) {
    await cachedCall(session, request, plan, slot, accept, started)
    return
  }
  if (!session.requests.complete(request)) return
  recordCall(session, name, started, 'hit', shortHash(slot.entryKey))
  traceCache(session, request, 'hit', Date.now() - read.hit.storedAt, decision.scope)
  await session.reply({ jsonrpc: '2.0', id: request.id, result: cachedAnswer(session, request, read.hit.result, 'hit', Date.now() - read.hit.storedAt) })
}

/** Forwards a call the cache does not answer; a call that may write drops what it names first. */
function passThrough(session: GatewaySession, request: JsonRpcRequest, name: unknown, drops: readonly string[], started: number): void {
  const settle =
    drops.length === 0
      ? undefined
      : async ({ result, lost }: { result?: Record<string, unknown>; lost: boolean }) => {
          if (lost || isCompletedResult(result)) await session.dropGenerations(drops, `after ${String(name)}`)
        }
  session.forward(
    request,
    (result) => {
      recordCall(session, name, started, 'bypass')
      return stamp(session.context.config.statusMeta, result, 'bypass')
    },
    settle,
  )
}

/** Answers a cacheable call from its slot, or upstream through it. */
async function cachedCall(session: GatewaySession, request: JsonRpcRequest, plan: CallPlan, slot: CacheSlot, accept: ((value: unknown) => boolean) | undefined, started: number): Promise<void> {
  const { context } = session
  const { cache, key, decision } = slot
  // A caller that refuses some entries shares no upstream call with those that take them.
  const flightKey = accept === undefined ? cache.keyPrefix + key : `${cache.keyPrefix + key}#${String(request.id)}#${started}`
  const audit = (status: string) => recordCall(session, plan.name, started, status, shortHash(slot.entryKey))
  const drop = (): Promise<void> => (plan.drops.length === 0 ? Promise.resolve() : session.dropGenerations(plan.drops, `after ${plan.name}`))
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

  // Set when this caller's own factory ran: a miss without it shared another caller's upstream call.
  let wentUpstream = false
  const factory = async (): Promise<StoredResult> => {
    wentUpstream = true
    const forwarded = { ...request.params }
    // A write that lands after its caller gave up (timeout, cancellation) drops again then.
    const late = plan.drops.length === 0 ? undefined : () => void drop()
    const sent = performance.now()
    const result = await session.requestUpstream('tools/call', forwarded, (cancel) => (cancelUpstream = cancel), late)
    // The upstream's time for the savings figures: what a later hit of this tool is credited with.
    context.toolStats.upstream(statsName(session, plan.name), performance.now() - sent)
    // Before the entry exists: a repeat served from it (a dedupe window, another gateway) comes after the drop.
    if (isCompletedResult(result)) await drop()
    if (!isCacheableResult(result)) throw new UncacheableResult(result)
    return { result, storedAt: Date.now() }
  }

  try {
    // A write's dedupe entry is never served stale: past its window the write runs again.
    const options = { ttl: decision.ttl, ...(decision.mode === 'dedupe' ? { grace: 0 } : {}), ...(accept === undefined ? {} : { accept }) }
    const outcome = await cache.getOrSetWithStatus(key, factory, options)
    // The entry's write is queued, not sent: the Redis client writes on the next turn of the
    // event loop. Answer after it, so a call this answer prompts, on another gateway sharing
    // the Redis, finds the entry there instead of calling the upstream again.
    if (outcome.status === 'miss') await new Promise((resolve) => setImmediate(resolve))
    if (!session.requests.complete(request) || cancelled) return
    const age = outcome.status === 'miss' ? undefined : Date.now() - outcome.value.storedAt
    audit(outcome.status)
    const coalesced = outcome.status === 'miss' && !wentUpstream
    if (coalesced) context.toolStats.coalesced(statsName(session, plan.name))
    traceCache(session, request, coalesced ? 'coalesced' : outcome.status, age, decision.scope)
    await session.reply({ jsonrpc: '2.0', id: request.id, result: cachedAnswer(session, request, outcome.value.result, outcome.status, age) })
  } catch (error) {
    // The call may have run upstream: what it wrote is dropped even when nobody waits any more.
    if (error instanceof UpstreamError && error.outcomeUnknown) await drop()
    if (!session.requests.complete(request) || cancelled) return
    audit(error instanceof UncacheableResult ? 'miss' : 'error')
    if (error instanceof UncacheableResult) {
      traceCache(session, request, 'miss', undefined, decision.scope)
      await session.reply({ jsonrpc: '2.0', id: request.id, result: cachedAnswer(session, request, error.result, 'miss') })
    } else if (error instanceof UpstreamError) {
      await session.reply(errorResponse(request.id, error.code, error.message))
    } else {
      await session.reply(errorResponse(request.id, RpcCode.INTERNAL_ERROR, `mcp-cache: ${context.reason(error)}`))
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
    session.context.logger?.warn({ err: session.context.reason(error) }, 'mcp-cache: could not list the upstream tools; only rules decide caching')
  }
}
