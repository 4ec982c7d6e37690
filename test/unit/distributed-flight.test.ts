/**
 * The order of lock attempts and reads in a distributed flight, over a store
 * fake that records calls and answers when told (logic only: the real locks are
 * tested against Redis in test/integration/distributed-flight.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { loadOnce, type LockingStore } from '../../src/cache/distributed-flight.js'
import { MemoryStore } from '../../src/stores/memory-store.js'
import type { StoredEntry } from '../../src/stores/store.js'

const FLIGHT = { lockTtlMs: 1000, pollMs: 5 }

/** A store whose lock answers only when `grant` is called; every call is logged in order. */
function recordingStore(ordersAcrossKeys: boolean) {
  const log: string[] = []
  let grant: (held: boolean) => void = () => undefined
  const store = Object.assign(new MemoryStore(), {
    ordersAcrossKeys,
    acquireLock: (key: string, token: string) => {
      log.push(`lock ${key}`)
      expect(token).toMatch(/^[\w-]+\.[0-9a-z]+$/)
      return new Promise<boolean>((resolve) => (grant = resolve))
    },
    releaseLock: async (key: string) => void log.push(`release ${key}`),
  }) as LockingStore
  return { store, log, grant: (held: boolean) => grant(held) }
}

const entry = (value: unknown): StoredEntry => ({ value, freshUntil: Date.now() + 60_000, expiresAt: Date.now() + 60_000 })

describe('distributed flight', () => {
  it('sends the read with the lock attempt on one connection, and uses a value that landed first', async () => {
    const { store, log, grant } = recordingStore(true)
    const flight = loadOnce(store, 'lock:k', FLIGHT, 1000, {
      read: async () => (log.push('read'), entry('landed')),
      load: async () => (log.push('load'), { value: 'loaded', status: 'miss' }),
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toStrictEqual(['lock lock:k', 'read'])
    grant(true)
    expect(await flight).toStrictEqual({ value: 'landed', status: 'hit' })
    expect(log).toStrictEqual(['lock lock:k', 'read', 'release lock:k'])
  })

  it('in a cluster reads only after the lock answered, then loads and releases', async () => {
    const { store, log, grant } = recordingStore(false)
    const flight = loadOnce(store, 'lock:k', FLIGHT, 1000, {
      read: async () => (log.push('read'), undefined),
      load: async () => (log.push('load'), { value: 'loaded', status: 'miss' }),
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toStrictEqual(['lock lock:k'])
    grant(true)
    expect(await flight).toStrictEqual({ value: 'loaded', status: 'miss' })
    expect(log).toStrictEqual(['lock lock:k', 'read', 'load', 'release lock:k'])
  })

  it('returns a value a lock holder wrote without waiting a poll, and never loads', async () => {
    const { store, log, grant } = recordingStore(true)
    const flight = loadOnce(store, 'lock:k', FLIGHT, 1000, {
      read: async () => (log.push('read'), entry('theirs')),
      load: async () => (log.push('load'), { value: 'mine', status: 'miss' }),
    })
    await new Promise((resolve) => setImmediate(resolve))
    grant(false)
    expect(await flight).toStrictEqual({ value: 'theirs', status: 'hit' })
    expect(log).toStrictEqual(['lock lock:k', 'read'])
  })
})
