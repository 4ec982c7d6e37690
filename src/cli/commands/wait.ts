import { createCache } from '../../cache/create-cache.js'
import { maintenanceCacheOptions, type StoreCliOptions } from '../store-flags.js'
import { parseDuration } from '../../config/duration.js'
import { redactSecrets } from '../../log/redact.js'
import { describeTarget } from '../../stores/redis-link.js'
import { output } from '../output.js'

/**
 * `mcp-cache wait`: the seeds' wait-for-redis. Retries with the client's
 * exponential backoff until Redis answers (exit 0) or the timeout passes (exit 1).
 */
export async function runWait(options: StoreCliOptions & { json?: boolean; timeout: string }): Promise<number> {
  const out = output(options.json)
  const config = maintenanceCacheOptions(options)
  const target = redactSecrets(describeTarget(config.redis ?? {}))
  if ((config.store ?? 'memory') === 'memory') {
    out.line('the memory store needs no server: ready')
    out.result({ ready: true, store: 'memory' })
    return 0
  }
  const started = Date.now()
  const cache = createCache({ ...config, logger: false })
  const ready = await cache.ready(parseDuration(options.timeout, '--timeout', 'timer'))
  await cache.close()
  const waitedMs = Date.now() - started
  out.line(ready ? `${target} is ready after ${waitedMs} ms` : `${target} did not answer within ${options.timeout}; check that it runs and REDIS_URL`)
  out.result({ ready, target, waitedMs })
  return ready ? 0 : 1
}
