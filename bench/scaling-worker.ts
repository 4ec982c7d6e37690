/**
 * One client process of the scaling bench (bench/scaling.ts): a Redis-only
 * cache (one server or a cluster) serving getOrSet hits over `keys` warm keys
 * with `inflight` calls outstanding, for `seconds`. Reports its operations and
 * the CPU time it spent on them.
 * Args: <json CacheOptions['redis']> <seconds> <inflight> <keys>
 */
import { createCache } from '../src/index.js'
import { record } from './peers/values.js'
import { patientKey } from './scaling-worker-keys.js'

const [redisJson = '{}', seconds = '5', inflight = '64', keys = '10000'] = process.argv.slice(2)
const redis = JSON.parse(redisJson) as { url?: string; nodes?: string[] }
const cache = createCache({ store: redis.nodes === undefined ? 'redis' : 'cluster', redis, prefix: 'scale', logger: false, stats: false })
await cache.ready('10s')
const keyCount = Number(keys)
const until = Date.now() + Number(seconds) * 1000
let ops = 0
let misses = 0
const cpuBefore = process.cpuUsage()
await Promise.all(
  Array.from({ length: Number(inflight) }, async (_, lane) => {
    let i = lane
    while (Date.now() < until) {
      i = (i * 7919 + 1) % keyCount
      const { status } = await cache.getOrSetWithStatus(patientKey(i), () => record(i), { ttl: '1h' })
      if (status !== 'hit') misses++
      ops++
    }
  }),
)
const cpu = process.cpuUsage(cpuBefore)
process.send?.({ ops, misses, cpuMicros: cpu.user + cpu.system, seconds: Number(seconds) })
await cache.close()
