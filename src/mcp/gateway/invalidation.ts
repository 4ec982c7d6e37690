import type { Cache } from '../../cache/cache.js'
import { buildKey } from '../../keys/build-key.js'
import type { JsonRpcMessage } from '../jsonrpc.js'
import { listPattern } from './list-results.js'
import type { GatewaySession } from './session.js'

/** Which cached methods each change notification makes stale. */
const STALE_AFTER: Readonly<Record<string, readonly string[]>> = {
  'notifications/tools/list_changed': ['tools/list'],
  'notifications/prompts/list_changed': ['prompts/list'],
  'notifications/resources/list_changed': ['resources/list', 'resources/templates/list'],
}

/**
 * Drops the entries a change notification makes stale (spec: a change
 * notification received while an entry is fresh invalidates it), for shared
 * entries and every principal's. The notification itself still reaches the client.
 */
export function invalidateOnNotification(session: GatewaySession, message: JsonRpcMessage): void {
  const method = message.method ?? ''
  const patterns: string[] = []
  if (method === 'notifications/resources/updated' && typeof message.params?.['uri'] === 'string') {
    patterns.push(listPattern('resources/read', message.params['uri']))
  }
  for (const stale of STALE_AFTER[method] ?? []) patterns.push(listPattern(stale))
  if (method === 'notifications/tools/list_changed') session.catalog.reset()
  if (patterns.length === 0) return
  ;(async () => {
    for (const pattern of patterns) await deleteForEveryone(session.context.upstreamCache, pattern, method)
  })().catch((error: unknown) => {
    session.context.logger?.warn({ notification: method, err: session.context.reason(error) }, `mcp-cache: invalidation after ${method} failed`)
  })
}

/** Deletes every cached result of `tools` (keys `{category}:{tool}:...`), shared and every principal's; resolves to how many. */
export async function deleteToolResults(cache: Cache, category: string, tools: readonly string[], reason: string): Promise<number> {
  let deleted = 0
  for (const tool of tools) deleted += await deleteForEveryone(cache, `${buildKey(category, tool)}:*`, reason)
  return deleted
}

/** Deletes the entries matching `pattern` in an upstream's namespace: shared ones and every principal's. */
export async function deleteForEveryone(upstreamCache: Cache, pattern: string, reason: string): Promise<number> {
  return (await upstreamCache.deleteByPattern(pattern, { reason })) + (await upstreamCache.deleteByPattern(`~u.*:${pattern}`, { reason }))
}
