/**
 * A bump the store refuses is owed: until a later write of it succeeds, this
 * process reads those generations as unknown (its callers go to the origin),
 * even while reads work; the retry lands it. A store that refuses writes and
 * answers reads is what a Redis at maxmemory with noeviction, or an ACL
 * without write rights, looks like.
 */
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { MemoryStore } from '../../src/stores/memory-store.js'
import type { StoredEntry } from '../../src/stores/store.js'

/** A memory store whose multi-key writes fail while `refuse` is set, counting the writes it was asked for. */
class RefusingStore extends MemoryStore {
  refuse = false
  msets = 0

  override async mset(items: ReadonlyArray<readonly [string, StoredEntry]>): Promise<void> {
    this.msets++
    if (this.refuse) throw new Error('OOM command not allowed when used memory > maxmemory')
    return super.mset(items)
  }
}

describe('a bump the store refuses', () => {
  it('is owed: those generations read as unknown, others as usual, until the retry lands it', async () => {
    const store = new RefusingStore()
    const cache = createCache({ store, logger: false })
    const [before] = (await cache.generations(['tool:get_record'])) ?? []
    store.refuse = true
    expect(await cache.bumpGenerations(['tool:get_record'])).toBe(false)
    expect(await cache.generations(['tool:get_record'])).toBeUndefined()
    expect(cache.generationsInProcess(['tool:get_record'])).toBeUndefined()
    expect(await cache.generations(['data'])).toHaveLength(1)
    const refusedWrites = store.msets
    store.refuse = false
    // The retry runs every second; a read also retries first.
    const deadline = Date.now() + 5000
    while (store.msets === refusedWrites && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    const after = await cache.generations(['tool:get_record'])
    expect(after?.[0]).toBeDefined()
    expect(after?.[0]).not.toBe(before)
    expect(cache.generationsInProcess(['tool:get_record'])).toStrictEqual(after)
    await cache.close()
  })
})
