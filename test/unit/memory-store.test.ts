import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/stores/memory-store.js'
import { describeStoreConformance, entry } from '../helpers/store-suite.js'

describeStoreConformance('memory', async () => new MemoryStore(), () => 'mem')

describe('memory store limits', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    await store.set('a', entry(1))
    await store.set('b', entry(2))
    await store.get('a')
    await store.set('c', entry(3))
    expect(await store.get('b')).toBeUndefined()
    expect((await store.get('a'))?.value).toBe(1)
  })

  it('keeps its total under maxBytes, measured in encoded bytes', async () => {
    const store = new MemoryStore({ maxBytes: 10_000 })
    for (let i = 0; i < 50; i++) await store.set(`k${i}`, entry('x'.repeat(1000)))
    expect(store.usage.bytes).toBeLessThanOrEqual(10_000)
    expect(store.usage.entries).toBeLessThan(50)
    expect((await store.get('k49'))?.value).toBe('x'.repeat(1000))
  })

  it('refuses an entry over maxEntryBytes with E_ENTRY_TOO_LARGE', async () => {
    const store = new MemoryStore({ maxEntryBytes: 100 })
    await expect(store.set('big', entry('y'.repeat(500)))).rejects.toMatchObject({ code: 'E_ENTRY_TOO_LARGE' })
    expect(await store.get('big')).toBeUndefined()
  })

  it('hands out frozen values, so one caller cannot change what the next is served', async () => {
    const store = new MemoryStore()
    await store.set('frozen', entry({ list: [1], inner: { a: 1 } }))
    const value = (await store.get('frozen'))?.value as { list: number[]; inner: { a: number } }
    expect(() => value.list.push(2)).toThrow(TypeError)
    expect(() => {
      value.inner.a = 2
    }).toThrow(TypeError)
  })
})
