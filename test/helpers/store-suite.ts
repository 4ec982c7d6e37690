/**
 * One conformance suite for every Store: memory, redis and tiered run the same
 * expectations, so the engine can rely on any of them alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store, StoredEntry } from '../../src/stores/store.js'

/** An entry fresh for `ttlMs` (and kept `graceMs` more). */
export function entry(value: unknown, ttlMs = 60_000, graceMs = 0): StoredEntry {
  const now = Date.now()
  return { value, freshUntil: now + ttlMs, expiresAt: now + ttlMs + graceMs }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs the conformance suite against the store `make` builds; `prefix` keeps keys apart on a shared server. */
export function describeStoreConformance(name: string, make: () => Promise<Store>, prefix: () => string): void {
  describe(`${name} store conformance`, () => {
    let store: Store
    let p: string
    beforeAll(async () => {
      store = await make()
      p = prefix()
    })
    afterAll(async () => {
      await store.close()
    })

    it('returns undefined for a key never written', async () => {
      expect(await store.get(`${p}:absent`)).toBeUndefined()
    })

    it('round-trips values exactly, including Dates, BigInts, Maps, Sets and bytes', async () => {
      const value = {
        name: 'Ada',
        born: new Date('1815-12-10T00:00:00Z'),
        big: 2n ** 70n,
        tags: new Set(['a', 'b']),
        meta: new Map<string, unknown>([['k', [1, 2, { x: null }]]]),
        bytes: Buffer.from([0, 1, 255]),
        nested: { list: [1.5, -0, 'x'], missing: undefined },
      }
      await store.set(`${p}:exact`, entry(value))
      const got = await store.get(`${p}:exact`)
      expect(got?.value).toStrictEqual(value)
      expect(Buffer.isBuffer((got?.value as typeof value).bytes)).toBe(true)
      expect(Object.is((got?.value as typeof value).nested.list[1], -0)).toBe(true)
    })

    it('keeps the freshness and expiry times it was given', async () => {
      const written = entry('v', 30_000, 10_000)
      await store.set(`${p}:times`, written)
      const got = await store.get(`${p}:times`)
      expect(got?.freshUntil).toBe(written.freshUntil)
      expect(got?.expiresAt).toBe(written.expiresAt)
    })

    it('stores a copy: mutating the original afterwards changes nothing', async () => {
      const value = { count: 1, list: [1] }
      await store.set(`${p}:copy`, entry(value))
      value.count = 2
      value.list.push(2)
      expect((await store.get(`${p}:copy`))?.value).toStrictEqual({ count: 1, list: [1] })
    })

    it('drops an entry once it expires', async () => {
      await store.set(`${p}:short`, entry('brief', 60))
      expect((await store.get(`${p}:short`))?.value).toBe('brief')
      await sleep(120)
      expect(await store.get(`${p}:short`)).toBeUndefined()
    })

    it('treats an entry already past its expiry as a delete', async () => {
      await store.set(`${p}:gone`, entry('x'))
      await store.set(`${p}:gone`, { value: 'y', freshUntil: Date.now() - 10, expiresAt: Date.now() - 5 })
      expect(await store.get(`${p}:gone`)).toBeUndefined()
    })

    it('mget and mset work on many keys, aligned with the input', async () => {
      await store.mset([
        [`${p}:m1`, entry(1)],
        [`${p}:m2`, entry({ two: 2 })],
      ])
      const got = await store.mget([`${p}:m1`, `${p}:none`, `${p}:m2`])
      expect(got.map((item) => item?.value)).toStrictEqual([1, undefined, { two: 2 }])
      expect(await store.mget([])).toStrictEqual([])
    })

    it('setIfAbsent writes once, then refuses until the entry expires', async () => {
      expect(await store.setIfAbsent(`${p}:once`, entry(true, 80))).toBe(true)
      expect(await store.setIfAbsent(`${p}:once`, entry(true, 80))).toBe(false)
      await sleep(150)
      expect(await store.setIfAbsent(`${p}:once`, entry(true, 80))).toBe(true)
    })

    it('delete removes keys and counts the ones that existed', async () => {
      await store.set(`${p}:d1`, entry(1))
      await store.set(`${p}:d2`, entry(2))
      expect(await store.delete([`${p}:d1`, `${p}:d2`, `${p}:d3`])).toBe(2)
      expect(await store.get(`${p}:d1`)).toBeUndefined()
      expect(await store.delete([])).toBe(0)
    })

    it('incr counts atomically from zero and the counter reads back as a number', async () => {
      const key = `${p}:counter`
      const results = await Promise.all(Array.from({ length: 50 }, () => store.incr(key, 2)))
      expect(Math.max(...results)).toBe(100)
      expect(new Set(results).size).toBe(50)
      expect((await store.get(key))?.value).toBe(100)
      expect(await store.incr(key, -100)).toBe(0)
    })

    it('incr gives a new counter its TTL', async () => {
      const key = `${p}:counter-ttl`
      expect(await store.incr(key, 1, 60)).toBe(1)
      await sleep(150)
      expect(await store.incr(key, 1, 60)).toBe(1)
    })

    it('addToSet and takeSet collect members and empty the set atomically', async () => {
      const key = `${p}:set`
      await store.addToSet(key, ['a', 'b'], 60_000)
      await store.addToSet(key, ['b', 'c'], 60_000)
      expect((await store.takeSet(key)).sort()).toStrictEqual(['a', 'b', 'c'])
      expect(await store.takeSet(key)).toStrictEqual([])
    })

    it('scan finds exactly the keys that match, treating escaped glob characters literally', async () => {
      const keys = [`${p}:scan:a1`, `${p}:scan:a2`, `${p}:scan:b1`, `${p}:scan:*`]
      for (const key of keys) await store.set(key, entry(key))
      const found: string[] = []
      for await (const batch of store.scan(`${p}:scan:a*`, { count: 1 })) found.push(...batch)
      expect(found.sort()).toStrictEqual([`${p}:scan:a1`, `${p}:scan:a2`])
      const literal: string[] = []
      for await (const batch of store.scan(`${p}:scan:\\*`)) literal.push(...batch)
      expect(literal).toStrictEqual([`${p}:scan:*`])
    })

    it('ping answers with a latency', async () => {
      expect(await store.ping()).toBeGreaterThanOrEqual(0)
    })
  })
}
