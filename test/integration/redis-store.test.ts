import { RedisStore } from '../../src/stores/redis-store.js'
import { TieredStore } from '../../src/stores/tiered-store.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'
import { describeStoreConformance } from '../helpers/store-suite.js'

async function connected(): Promise<RedisStore> {
  const store = new RedisStore({ url: redisUrl() })
  if (!(await store.ready(5000))) throw new Error(`redis at ${redisUrl()} did not become ready`)
  return store
}

describeStoreConformance('redis', connected, () => uniquePrefix('redis-store'))
describeStoreConformance('tiered', async () => new TieredStore(await connected()), () => uniquePrefix('tiered-store'))
