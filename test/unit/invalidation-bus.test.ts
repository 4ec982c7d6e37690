/** The invalidation bus's bookkeeping (numbering, echoes, gaps), over an in-memory channel: no I/O. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { InvalidationBus, type BusTransport } from '../../src/stores/invalidation-bus.js'
import { RecentChanges } from '../../src/stores/recent-changes.js'

const HEARTBEAT = 100

/** A channel in memory that can drop messages for one listener, or everything. */
class MemoryChannel {
  readonly listeners = new Map<string, (message: string) => void>()
  readonly published: string[] = []
  deaf = new Set<string>()
  /** Publishes by these instances fail, delivered to nobody (a timed-out PUBLISH). */
  failing = new Set<string>()
  down = false

  transport(name: string): BusTransport {
    const isDown = () => this.down
    return {
      generation: 0,
      get connected() {
        return !isDown()
      },
      publish: async (_channel, message) => {
        if (this.down || this.failing.has(name)) throw new Error('redis is down')
        this.published.push(message)
        for (const [listener, deliver] of this.listeners) if (!this.deaf.has(listener)) deliver(message)
      },
      subscribe: async (_channel, listener) => {
        if (this.down) throw new Error('redis is down')
        this.listeners.set(name, listener)
        return 0
      },
    }
  }
}

function instance(channel: MemoryChannel, name: string) {
  const evicted: string[] = []
  let flushes = 0
  const bus = new InvalidationBus(channel.transport(name), { evict: (keys) => evicted.push(...keys), flush: () => flushes++ }, { channel: 'mcp:~bus', heartbeatMs: HEARTBEAT })
  return { bus, evicted, flushes: () => flushes }
}

/** Two instances on one channel, started and in sync. */
async function syncedPair() {
  const channel = new MemoryChannel()
  const a = instance(channel, 'a')
  const b = instance(channel, 'b')
  a.bus.start()
  b.bus.start()
  await vi.advanceTimersByTimeAsync(HEARTBEAT)
  return { channel, a, b }
}

describe('InvalidationBus', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('is in sync once its own heartbeat echoes, and evicts what peers announce but not what it announced', async () => {
    const channel = new MemoryChannel()
    const a = instance(channel, 'a')
    const b = instance(channel, 'b')
    expect(a.bus.inSync).toBe(false)
    a.bus.start()
    b.bus.start()
    await vi.advanceTimersByTimeAsync(HEARTBEAT)
    expect(a.bus.inSync && b.bus.inSync).toBe(true)
    a.bus.announce(['k1'])
    a.bus.announce(['k2'])
    await vi.advanceTimersByTimeAsync(1)
    expect(b.evicted).toStrictEqual(['k1', 'k2'])
    expect(a.evicted).toStrictEqual([])
    // The keys of one tick went out as one message.
    expect(channel.published.filter((message) => message.includes('"k"'))).toHaveLength(1)
    a.bus.stop()
    b.bus.stop()
  })

  it('flushes when a sender skips a number: a message to this instance was lost', async () => {
    const { channel, a, b } = await syncedPair()
    const before = b.flushes()
    channel.deaf.add('b')
    a.bus.announce(['lost'])
    await vi.advanceTimersByTimeAsync(1)
    channel.deaf.delete('b')
    expect(b.evicted).toStrictEqual([])
    expect(b.flushes()).toBe(before)
    await vi.advanceTimersByTimeAsync(HEARTBEAT) // a's next heartbeat shows the gap
    expect(b.flushes()).toBe(before + 1)
    expect(b.bus.losses).toBe(1)
    expect(b.bus.inSync).toBe(true)
    a.bus.stop()
    b.bus.stop()
  })

  it('counts a lost heartbeat as no gap, and its own failed announcement as a gap for peers only', async () => {
    const { channel, a, b } = await syncedPair()
    channel.deaf.add('b')
    await vi.advanceTimersByTimeAsync(HEARTBEAT) // b misses a heartbeat of a's (and its own)
    channel.deaf.delete('b')
    await vi.advanceTimersByTimeAsync(HEARTBEAT)
    expect(b.bus.losses).toBe(0)
    const [aFlushes, bFlushes] = [a.flushes(), b.flushes()]
    channel.failing.add('a')
    a.bus.announce(['never-sent'])
    await vi.advanceTimersByTimeAsync(1)
    channel.failing.delete('a')
    await vi.advanceTimersByTimeAsync(HEARTBEAT)
    // b may hold a stale copy of 'never-sent': it flushes. a wrote it itself: its L1 is right.
    expect(b.flushes()).toBe(bFlushes + 1)
    expect(a.flushes()).toBe(aFlushes)
    expect(a.bus.losses).toBe(0)
    a.bus.stop()
    b.bus.stop()
  })

  it('is out of sync (and flushed) after 3 heartbeats without its own echo, and back in sync, flushed again, when echoes return', async () => {
    const channel = new MemoryChannel()
    const a = instance(channel, 'a')
    a.bus.start()
    await vi.advanceTimersByTimeAsync(HEARTBEAT)
    expect(a.bus.inSync).toBe(true)
    const flushesInSync = a.flushes()
    channel.down = true
    await vi.advanceTimersByTimeAsync(2 * HEARTBEAT)
    expect(a.bus.inSync).toBe(true)
    await vi.advanceTimersByTimeAsync(2 * HEARTBEAT)
    expect(a.bus.inSync).toBe(false)
    expect(a.flushes()).toBe(flushesInSync + 1)
    channel.down = false
    await vi.advanceTimersByTimeAsync(HEARTBEAT)
    expect(a.bus.inSync).toBe(true)
    // Flushed again on the way back (once for the echo, once more for the numbers skipped while down).
    expect(a.flushes()).toBeGreaterThanOrEqual(flushesInSync + 2)
    a.bus.stop()
  })

  it('ignores messages that are not its own format', async () => {
    const channel = new MemoryChannel()
    const a = instance(channel, 'a')
    a.bus.start()
    await vi.advanceTimersByTimeAsync(HEARTBEAT)
    const deliver = channel.listeners.get('a')
    for (const junk of ['not json', '{}', '{"i":"x","s":"1"}', '{"i":"x","s":1,"k":[1]}', 'null']) deliver?.(junk)
    expect(a.evicted).toStrictEqual([])
    expect(a.bus.inSync).toBe(true)
    a.bus.stop()
  })
})

describe('RecentChanges', () => {
  it('says which keys changed after a read began, so a read that raced a change is not kept', () => {
    const changes = new RecentChanges()
    const readStarted = changes.epoch
    changes.mark(['raced'])
    expect(changes.changedSince('raced', readStarted)).toBe(true)
    expect(changes.changedSince('other', readStarted)).toBe(false)
    expect(changes.changedSince('raced', changes.epoch)).toBe(false)
    const beforeFlush = changes.epoch
    changes.markAll()
    expect(changes.changedSince('other', beforeFlush)).toBe(true)
  })
})
