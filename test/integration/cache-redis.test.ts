import { createCache } from '../../src/cache/create-cache.js'
import { describeCacheEngine } from '../helpers/cache-suite.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'

for (const store of ['redis', 'tiered'] as const) {
  describeCacheEngine(store, async (options) => {
    const cache = createCache({ store, redis: { url: redisUrl() }, prefix: uniquePrefix(store).replaceAll(':', '-'), logger: false, ...options })
    if (!(await cache.ready('5s'))) throw new Error('redis not ready')
    return cache
  })
}
