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
  const cache = session.context.upstreamCache
  void (async () => {
    for (const pattern of patterns) {
      await cache.deleteByPattern(pattern)
      await cache.deleteByPattern(`~u.*:${pattern}`)
    }
  })()
}
