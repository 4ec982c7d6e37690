import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { describeCacheEngine } from '../helpers/cache-suite.js'

describeCacheEngine('memory', async (options) => createCache({ store: 'memory', logger: false, ...options }))

describe('createCache defaults', () => {
  it('uses the memory store and the mcp prefix when given no store', async () => {
    const cache = createCache({ logger: false })
    expect(cache.storeKind).toBe('memory')
    expect(cache.keyPrefix).toBe('mcp:')
    expect(await cache.ready()).toBe(true)
    await cache.close()
  })

  it('fails a closed cache with E_CACHE_CLOSED', async () => {
    const cache = createCache({ logger: false })
    await cache.close()
    await expect(cache.getOrSet('a:b', async () => 1)).rejects.toMatchObject({ code: 'E_CACHE_CLOSED' })
  })

  it('costs nothing to count when stats are off', async () => {
    const cache = createCache({ logger: false, stats: false })
    await cache.getOrSet('a:b', async () => 1)
    await cache.getOrSet('a:b', async () => 1)
    expect(cache.stats().hits).toBe(0)
    await cache.close()
  })
})
