/**
 * The engine's behaviour, run on every store kind: what getOrSet, tags,
 * namespaces and counters promise must not depend on where entries live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cache } from '../../src/cache/cache.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs the engine suite against caches built by `make` (each call gets a fresh prefix). */
export function describeCacheEngine(name: string, make: (options: { grace?: string; ttl?: Record<string, number> }) => Promise<Cache>): void {
  describe(`cache engine on ${name}`, () => {
    let cache: Cache
    beforeAll(async () => {
      cache = await make({ grace: '10s', ttl: { short: 80 } })
    })
    afterAll(async () => {
      await cache.close()
    })

    it('runs the factory on a miss, then serves the hit without it', async () => {
      let calls = 0
      const load = async () => ({ id: 'exp_123', calls: ++calls })
      const first = await cache.getOrSetWithStatus('experiment:exp_123', load)
      const second = await cache.getOrSetWithStatus('experiment:exp_123', load)
      expect(first).toStrictEqual({ value: { id: 'exp_123', calls: 1 }, status: 'miss' })
      expect(second).toStrictEqual({ value: { id: 'exp_123', calls: 1 }, status: 'hit' })
      expect(calls).toBe(1)
    })

    it('shares one factory run among 1000 concurrent callers of a missing key', async () => {
      let calls = 0
      const load = async () => {
        calls++
        await sleep(50)
        return 'shared'
      }
      const values = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('stampede:one', load)))
      expect(calls).toBe(1)
      expect(new Set(values)).toStrictEqual(new Set(['shared']))
    })

    it('runs the factory again once the category TTL has passed', async () => {
      let calls = 0
      await cache.getOrSet('short:item', async () => ++calls)
      await sleep(130)
      const again = await cache.getOrSetWithStatus('short:item', async () => ++calls, { grace: 0 })
      expect(again.status).toBe('miss')
      expect(calls).toBe(2)
    })

    it('serves the stale value within grace when the factory fails, and throws without one', async () => {
      await cache.getOrSet('short:flaky', async () => 'good', { grace: '10s' })
      await sleep(130)
      const stale = await cache.getOrSetWithStatus('short:flaky', async () => {
        throw new Error('origin down')
      })
      expect(stale).toStrictEqual({ value: 'good', status: 'stale' })
      await expect(
        cache.getOrSet('short:never-cached', async () => {
          throw new Error('origin down')
        }),
      ).rejects.toThrow('origin down')
    })

    it('serves stale past the soft timeout and refreshes the entry in the background', async () => {
      await cache.getOrSet('short:slow', async () => 'old', { grace: '10s' })
      await sleep(130)
      const started = performance.now()
      const result = await cache.getOrSetWithStatus(
        'short:slow',
        async () => {
          await sleep(150)
          return 'new'
        },
        { timeout: 30, ttl: '1m' },
      )
      expect(result).toStrictEqual({ value: 'old', status: 'stale' })
      expect(performance.now() - started).toBeLessThan(140)
      await sleep(250)
      expect(await cache.get('short:slow')).toBe('new')
    })

    it('fails with E_FACTORY_TIMEOUT past the hard timeout when nothing stale exists', async () => {
      await expect(cache.getOrSet('slow:never', () => sleep(300).then(() => 1), { hardTimeout: 30 })).rejects.toMatchObject({
        code: 'E_FACTORY_TIMEOUT',
      })
    })

    it('returns but does not cache undefined; caches null', async () => {
      let calls = 0
      await cache.getOrSet('nothing:u', async () => void calls++)
      await cache.getOrSet('nothing:u', async () => void calls++)
      expect(calls).toBe(2)
      await cache.getOrSet('nothing:n', async () => (calls++, null))
      expect((await cache.getOrSetWithStatus('nothing:n', async () => 1)).value).toBeNull()
    })

    it('get, set, has, delete, mget and mset behave as a key-value cache', async () => {
      expect(await cache.set('user:1:profile', { name: 'Ada' }, { ttl: '30m' })).toBe(true)
      expect(await cache.get('user:1:profile')).toStrictEqual({ name: 'Ada' })
      expect(await cache.has('user:1:profile')).toBe(true)
      expect(await cache.mset([{ key: 'user:2:profile', value: 2 }, { key: 'user:3:profile', value: 3 }])).toBe(true)
      expect(await cache.mget(['user:2:profile', 'user:9:profile', 'user:3:profile'])).toStrictEqual([2, undefined, 3])
      expect(await cache.delete('user:1:profile', 'user:2:profile')).toBe(2)
      expect(await cache.has('user:1:profile')).toBe(false)
    })

    it('counts with incr and reads the counter back with get', async () => {
      expect(await cache.incr('usage:health_analysis:requests')).toBe(1)
      expect(await cache.incr('usage:health_analysis:requests', 4)).toBe(5)
      expect(await cache.get('usage:health_analysis:requests')).toBe(5)
      await expect(cache.incr('usage:bad', 1.5)).rejects.toMatchObject({ code: 'E_INVALID_KEY' })
    })

    it('dedupe is true the first time and false while the marker lives', async () => {
      expect(await cache.dedupe('processed:event-1', '1m')).toBe(true)
      expect(await cache.dedupe('processed:event-1', '1m')).toBe(false)
      expect(await cache.dedupe('processed:event-2', '1m')).toBe(true)
    })

    it('invalidateTags removes every entry written with the tag, and only those', async () => {
      await cache.getOrSet('experiment:e1', async () => 1, { tags: ['exp:e1'] })
      await cache.getOrSet('assignment:e1:u1', async () => 2, { tags: ['exp:e1', 'user:u1'] })
      await cache.getOrSet('assignment:e2:u1', async () => 3, { tags: ['user:u1'] })
      expect(await cache.invalidateTags(['exp:e1'])).toBe(2)
      expect(await cache.has('experiment:e1')).toBe(false)
      expect(await cache.has('assignment:e1:u1')).toBe(false)
      expect(await cache.get('assignment:e2:u1')).toBe(3)
    })

    it('deleteByPattern deletes matching keys inside its namespace only', async () => {
      const a = cache.namespace('tenant-a')
      const b = cache.namespace('tenant-a*')
      await a.set('experiment:exp_1:x', 1)
      await a.set('experiment:exp_2', 2)
      await b.set('experiment:exp_1:x', 'b')
      await cache.set('experiment:exp_1:x', 'root')
      expect(await a.deleteByPattern('experiment:exp_1*')).toBe(1)
      expect(await a.get('experiment:exp_2')).toBe(2)
      expect(await b.get('experiment:exp_1:x')).toBe('b')
      expect(await cache.get('experiment:exp_1:x')).toBe('root')
    })

    it('clear empties its own namespace and leaves siblings and the parent alone', async () => {
      const a = cache.namespace('clear-a')
      const b = cache.namespace('clear-b')
      await a.set('k:1', 1)
      await a.set('k:2', 2)
      await b.set('k:1', 'b')
      expect(await a.clear()).toBeGreaterThanOrEqual(2)
      expect(await a.get('k:1')).toBeUndefined()
      expect(await b.get('k:1')).toBe('b')
    })

    it('keeps users apart, whatever characters their ids hold', async () => {
      const alice = cache.forUser('alice')
      const star = cache.forUser('*')
      await alice.set('patient:v1:500:100841', { owner: 'alice' })
      expect(await star.get('patient:v1:500:100841')).toBeUndefined()
      await star.clear()
      expect(await alice.get('patient:v1:500:100841')).toStrictEqual({ owner: 'alice' })
    })

    it('keeps namespaces, principals and root keys in separate key spaces', async () => {
      await cache.set('exp:1', 'root')
      const exp = cache.namespace('exp')
      expect(await exp.get('1')).toBeUndefined()
      await exp.clear()
      expect(await cache.get('exp:1')).toBe('root')
      await cache.forUser('alice').set('patient:1', 'alice')
      expect(await cache.namespace('u.alice').get('patient:1')).toBeUndefined()
      expect(await cache.get('u.alice:patient:1')).toBeUndefined()
    })

    it('rejects a bad ttl or tag at the call, before running the factory', async () => {
      let calls = 0
      await expect(cache.getOrSet('opts:1', async () => ++calls, { ttl: '5 minutes' })).rejects.toMatchObject({ code: 'E_INVALID_CONFIG' })
      await expect(cache.getOrSet('opts:2', async () => ++calls, { tags: [''] })).rejects.toMatchObject({ code: 'E_INVALID_KEY' })
      expect(calls).toBe(0)
    })

    it('starts one background refresh per key past the soft timeout, serving stale meanwhile', async () => {
      await cache.getOrSet('short:refresh', async () => 'old', { grace: '10s' })
      await sleep(130)
      let runs = 0
      const slow = async () => {
        runs++
        await sleep(200)
        return 'new'
      }
      const results = []
      for (let i = 0; i < 4; i++) results.push(await cache.getOrSetWithStatus('short:refresh', slow, { timeout: 20, ttl: '1m' }))
      expect(results.map((result) => result.status)).toStrictEqual(['stale', 'stale', 'stale', 'stale'])
      expect(runs).toBe(1)
      await sleep(250)
      expect(await cache.get('short:refresh')).toBe('new')
    })

    it('answers dedupe alike on every store when the marker cannot live (ttl 0)', async () => {
      expect(await cache.dedupe('processed:zero', 0)).toBe(true)
      expect(await cache.dedupe('processed:zero', 0)).toBe(true)
    })

    it('lists logical keys of its namespace', async () => {
      const ns = cache.namespace('listing')
      await ns.set('drug_analysis:aspirin', 1)
      await ns.set('drug_analysis:ibuprofen', 2)
      const keys: string[] = []
      for await (const batch of ns.keys('drug_analysis:*')) keys.push(...batch)
      expect(keys.sort()).toStrictEqual(['drug_analysis:aspirin', 'drug_analysis:ibuprofen'])
    })

    it('handles very long keys by hashing them without collisions', async () => {
      const long1 = `search:${'a'.repeat(2000)}1`
      const long2 = `search:${'a'.repeat(2000)}2`
      await cache.set(long1, 1)
      await cache.set(long2, 2)
      expect(await cache.get(long1)).toBe(1)
      expect(await cache.get(long2)).toBe(2)
    })

    it('rejects reserved and empty keys with E_INVALID_KEY', async () => {
      await expect(cache.get('~tag:x')).rejects.toMatchObject({ code: 'E_INVALID_KEY' })
      await expect(cache.getOrSet('', async () => 1)).rejects.toMatchObject({ code: 'E_INVALID_KEY' })
    })

    it('set throws for a value that can never be cached; getOrSet serves it uncached', async () => {
      const value = { run: () => 1 }
      await expect(cache.set('fn:1', value)).rejects.toMatchObject({ code: 'E_UNSERIALIZABLE' })
      let calls = 0
      const served = await cache.getOrSet('fn:2', async () => (calls++, value))
      expect(served).toBe(value)
      await cache.getOrSet('fn:2', async () => (calls++, value))
      expect(calls).toBe(2)
    })

    it('counts hits, misses and latency per category', async () => {
      const ns = cache.namespace('stats')
      await ns.getOrSet('drug_analysis:x', async () => 1)
      await ns.getOrSet('drug_analysis:x', async () => 1)
      await ns.getOrSet('drug_analysis:x', async () => 1)
      const stats = cache.stats()
      const drug = stats.byCategory['drug_analysis']
      expect(drug?.misses).toBe(1)
      expect(drug?.hits).toBe(2)
      expect(drug?.hitRate).toBeCloseTo(2 / 3)
      expect(drug?.latency.count).toBe(3)
      expect(stats.hits).toBeGreaterThanOrEqual(2)
      expect(Object.isFrozen(stats)).toBe(true)
    })

    it('getInProcess answers only from the in-process tier, counting its hits and nothing else', async () => {
      const ns = cache.namespace('stats-peek')
      expect(ns.getInProcess('lab_results:p')).toBeUndefined()
      await ns.getOrSet('lab_results:p', async () => 1)
      const inProcess = ns.getInProcess('lab_results:p')
      const lab = cache.stats().byCategory['lab_results']
      if (cache.storeKind === 'redis') {
        expect(inProcess).toBeUndefined()
        expect(lab).toMatchObject({ hits: 0, misses: 1 })
      } else {
        expect(inProcess).toStrictEqual({ value: 1, status: 'hit' })
        expect(lab).toMatchObject({ hits: 1, misses: 1 })
      }
    })

    it('keeps generation tokens until a bump, which changes only the bumped ones, for every namespace reading them', async () => {
      const ns = cache.namespace('gens')
      const first = await ns.generations(['data', 'tool:get_record'])
      expect(first).toHaveLength(2)
      expect(new Set(first).size).toBe(2)
      expect(await ns.generations(['data', 'tool:get_record'])).toStrictEqual(first)
      // Another view of the same namespace reads the same tokens.
      expect(await cache.namespace('gens').generations(['tool:get_record'])).toStrictEqual([first?.[1]])
      expect(await ns.bumpGenerations(['tool:get_record'], { reason: 'after update_record' })).toBe(true)
      const second = await ns.generations(['data', 'tool:get_record'])
      expect(second?.[0]).toBe(first?.[0])
      expect(second?.[1]).not.toBe(first?.[1])
      expect(cache.recentInvalidations()[0]).toMatchObject({ kind: 'generations', target: 'tool:get_record', reason: 'after update_record' })
      // Only the memory store holds them in process: a tiered L1 never does (a peer's bump would reach it late).
      const local = ns.generationsInProcess(['data', 'tool:get_record'])
      if (cache.storeKind === 'memory') expect(local).toStrictEqual(second)
      else expect(local).toBeUndefined()
    })

    it('reads the generations and the entry of the tokens last seen together, taking it only while they are current', async () => {
      const gens = cache.namespace('gens-ahead')
      const entries = gens.forUser('alice')
      const keyOf = (tokens: readonly string[]) => `record:r1:${tokens.join('.')}`
      const first = await gens.generationsWithEntry(['tool:get_record'], entries, keyOf)
      expect(first?.hit).toBeUndefined()
      await entries.set(keyOf(first?.tokens ?? []), 'v1')
      const second = await gens.generationsWithEntry(['tool:get_record'], entries, keyOf)
      expect(second?.tokens).toStrictEqual(first?.tokens)
      // With Redis the entry comes with the tokens; in process, getOrSet finds it at no cost.
      if (cache.storeKind === 'memory') expect(second).toStrictEqual({ tokens: first?.tokens })
      else expect(second?.hit).toBe('v1')
      expect(await gens.generationsWithEntry(['tool:get_record'], entries, keyOf, () => false)).toStrictEqual({ tokens: first?.tokens })
      await gens.bumpGenerations(['tool:get_record'])
      const third = await gens.generationsWithEntry(['tool:get_record'], entries, keyOf)
      expect(third?.hit).toBeUndefined()
      expect(third?.tokens).not.toStrictEqual(first?.tokens)
    })

    it('starts one token for a generation that many callers read at once', async () => {
      const ns = cache.namespace('gens-race')
      const reads = await Promise.all(Array.from({ length: 50 }, () => ns.generations(['tool:x'])))
      expect(new Set(reads.map((tokens) => tokens?.[0])).size).toBe(1)
      expect(reads[0]?.[0]).toMatch(/^[\w-]{12}$/)
    })

    it('takes a cached value only when accept says so: else the factory replaces it, and nothing refused is served stale', async () => {
      let calls = 0
      const load = async () => ({ n: ++calls, at: Date.now() })
      await cache.getOrSet('fresh:item', load)
      const refreshed = await cache.getOrSetWithStatus('fresh:item', load, { accept: () => false })
      expect(refreshed).toMatchObject({ status: 'miss', value: { n: 2 } })
      expect(await cache.getOrSetWithStatus('fresh:item', load, { accept: (value) => (value as { n: number }).n === 2 })).toMatchObject({ status: 'hit', value: { n: 2 } })
      await cache.getOrSet('short:refused', load, { grace: '10s' })
      await expect(
        cache.getOrSet('short:refused', async () => Promise.reject(new Error('origin down')), { accept: () => false }),
      ).rejects.toThrow('origin down')
    })

    it("keeps a 'forever' entry with no expiry in the store, served as a hit", async () => {
      let calls = 0
      const load = async () => ({ drug: 'aspirin', calls: ++calls })
      expect((await cache.getOrSetWithStatus('drug_info:aspirin', load, { ttl: 'forever' })).status).toBe('miss')
      expect(await cache.getOrSetWithStatus('drug_info:aspirin', load, { ttl: 'forever' })).toStrictEqual({ value: { drug: 'aspirin', calls: 1 }, status: 'hit' })
      expect(await cache.set('drug_info:ibuprofen', { drug: 'ibuprofen' }, { ttl: 'forever' })).toBe(true)
      // Every page: a cluster lists one master's keys per page.
      const ttls: number[] = []
      let cursor = '0'
      do {
        const page = await cache.inspectKeys('drug_info:*', cursor)
        ttls.push(...page.keys.map((key) => key.ttlMs))
        cursor = page.cursor
      } while (cursor !== '0')
      expect(ttls).toStrictEqual([-1, -1])
    })

    it('counts what caching saved the origin: hits and shared loads, each credited with the median origin time', async () => {
      const slow = async () => {
        await sleep(50)
        return 'loaded'
      }
      await cache.getOrSet('savings:one', slow)
      for (let i = 0; i < 10; i++) await cache.getOrSet('savings:one', slow)
      // Twenty callers of a missing key: one runs the origin, nineteen share its load.
      await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('savings:two', slow)))
      const stats = cache.stats().byCategory['savings']
      expect(stats?.savings.callsAvoided).toBe(29)
      expect(stats?.origin.count).toBe(2)
      expect(stats?.origin.p50).toBeGreaterThanOrEqual(45)
      // At least 50 ms credited per avoided call, about the origin's median.
      expect(stats?.savings.secondsSaved).toBeGreaterThanOrEqual(29 * 0.045)
      expect(stats?.savings.secondsSaved).toBeLessThanOrEqual((29 * 2 * (stats?.origin.p99 ?? 0)) / 1000)
    })

    it('never stores what a write, delete or invalidation overtook while the factory ran (the cache-aside race)', async () => {
      /** A load whose factory read the origin ("old") and answers only when released. */
      const startLoad = async (key: string, tags: string[] = []) => {
        let release: () => void = () => undefined
        let started: () => void = () => undefined
        const gate = new Promise<void>((resolve) => (release = resolve))
        const running = new Promise<void>((resolve) => (started = resolve))
        const result = cache.getOrSet(key, async () => {
          started()
          await gate
          return 'old'
        }, { tags })
        // Overtaken only once the factory has read "the origin": earlier, it would read the new state.
        await running
        return { release, result }
      }
      const overtakers: Array<[string, (key: string) => Promise<unknown>]> = [
        ['delete', (key) => cache.delete(key)],
        ['set', (key) => cache.set(key, 'new')],
        ['invalidateTags', () => cache.invalidateTags(['race-tag'])],
        ['deleteByPattern', (key) => cache.deleteByPattern(`${key.slice(0, -1)}*`)],
      ]
      for (const [name, overtake] of overtakers) {
        const key = `race:${name}:1`
        const load = await startLoad(key, ['race-tag'])
        await overtake(key)
        // A reader after the change does not share the overtaken load: it reads anew.
        const reader = cache.getOrSetWithStatus(key, async () => 'fresh', { tags: ['race-tag'] })
        load.release()
        // The caller still gets what its factory returned.
        expect(await load.result).toBe('old')
        expect((await reader).value, name).toBe(name === 'set' ? 'new' : 'fresh')
        const after = await cache.getOrSetWithStatus(key, async () => 'later')
        expect(after.value, name).toBe(name === 'set' ? 'new' : 'fresh')
      }
      // Nothing overtook this one: it is stored.
      const quiet = await startLoad('race:quiet:1')
      quiet.release()
      await quiet.result
      expect(await cache.getOrSetWithStatus('race:quiet:1', async () => 'fresh')).toStrictEqual({ value: 'old', status: 'hit' })
    })
  })
}
