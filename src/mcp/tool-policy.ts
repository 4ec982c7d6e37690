import { forbidsStoring } from './freshness.js'
import type { GatewayConfig, ToolRule } from './gateway-config.js'

/** What the gateway knows of a tool from the upstream's `tools/list`. */
export interface ToolInfo {
  readonly name: string
  /** Hints from a possibly untrusted server; only `readOnlyHint` is ever acted on. */
  readonly annotations?: { readonly readOnlyHint?: boolean; readonly destructiveHint?: boolean; readonly idempotentHint?: boolean }
  /** Hash of the whole definition: a changed schema or description never serves old results. */
  readonly definitionHash: string
}

/** Whose entry a cached result is: the calling principal's alone, their tenant's (a verified JWT's tenant claim), or everyone's. */
export type Scope = 'user' | 'tenant' | 'shared'

/** How one `tools/call` is treated. */
export type CallDecision =
  | { readonly cache: false; readonly reason: 'disabled' | 'not-read-only' }
  | {
      readonly cache: true
      /** `cache`: a read served for `ttl`. `dedupe`: a write whose first result answers repeats within `ttl`. */
      readonly mode: 'cache' | 'dedupe'
      readonly ttl: number
      readonly scope: Scope
      readonly keyArgs: readonly string[] | undefined
    }

/**
 * Decides whether a tool call may be answered from the cache. Tools that are not
 * read-only are never cached by default: a rule must say so, or, with
 * `trustAnnotations`, the upstream must mark the tool `readOnlyHint: true`.
 */
export function decideToolCall(config: GatewayConfig, name: string, tool: ToolInfo | undefined): CallDecision {
  const rule: ToolRule | undefined = config.tools[name]
  const scope = rule?.scope ?? config.defaults.scope
  const keyArgs = rule?.keyArgs
  if (rule?.dedupeWindow !== undefined && rule.cache !== true) {
    return { cache: true, mode: 'dedupe', ttl: rule.dedupeWindow, scope, keyArgs }
  }
  if (rule?.cache === false) return { cache: false, reason: 'disabled' }
  const ruled = rule !== undefined && (rule.cache === true || rule.ttl !== undefined || rule.keyArgs !== undefined || rule.scope !== undefined)
  const trusted = config.defaults.trustAnnotations && tool?.annotations?.readOnlyHint === true
  if (!ruled && !trusted) return { cache: false, reason: 'not-read-only' }
  return { cache: true, mode: 'cache', ttl: rule?.ttl ?? config.defaults.ttl, scope, keyArgs }
}

/** The arguments that make up the key: all of them, or only the `keyArgs` the rule names. */
export function keyArguments(args: unknown, keyArgs: readonly string[] | undefined): unknown {
  if (keyArgs === undefined || args === null || typeof args !== 'object') return args ?? {}
  const record = args as Record<string, unknown>
  const picked: Record<string, unknown> = {}
  // A missing argument stays distinct from one that is present but null.
  for (const name of keyArgs) picked[name] = Object.hasOwn(record, name) ? { present: record[name] } : { absent: true }
  return picked
}

/** True for a completed, non-error `tools/call` result: a write that answers so has done its work. */
export function isCompletedResult(result: unknown): boolean {
  if (result === null || typeof result !== 'object') return false
  const record = result as { isError?: unknown; resultType?: unknown }
  if (record.isError === true) return false
  // Multi-round-trip results (input_required) are never cached (spec: caching).
  return record.resultType === undefined || record.resultType === 'complete'
}

/** True for a `tools/call` result that may be stored: completed, not an error, and not marked `cache_hint: "no-cache"`. */
export function isCacheableResult(result: unknown): boolean {
  return isCompletedResult(result) && !forbidsStoring(result)
}

/**
 * True when a call of this tool changes nothing cached: it is cached as a
 * read, or the upstream marks it read-only and annotations are trusted.
 */
export function isReadCall(config: GatewayConfig, decision: CallDecision, tool: ToolInfo | undefined): boolean {
  if (decision.cache && decision.mode === 'cache') return true
  return config.defaults.trustAnnotations && tool?.annotations?.readOnlyHint === true
}

/** True for a request that continues a multi-round-trip exchange and so must go upstream. */
export function isRoundTripContinuation(params: unknown): boolean {
  if (params === null || typeof params !== 'object') return false
  const record = params as Record<string, unknown>
  return record['inputResponses'] !== undefined || record['requestState'] !== undefined
}
