/**
 * Bytes per L1 entry, in a process of its own started with `--expose-gc`:
 * fills one contender's in-process layer with `count` 1 KB values read from
 * Redis (written there first by a separate instance) and divides the growth of
 * the V8 heap, after full collections, by `count`. Prints one JSON line.
 *
 * Usage: node --expose-gc memory-probe.js <contender-id> <redis-url> <count>
 */
import { contenderById } from './contenders.js'
import { record } from './values.js'

/** What the probe prints. */
export interface MemoryReport {
  readonly id: string
  readonly entries: number
  readonly bytesPerEntry: number
  /** Origin calls while filling the reader: 0 when every value came from Redis. */
  readonly originCalls: number
}

const [id, url, countText] = process.argv.slice(2)
const gc = (globalThis as { gc?: () => void }).gc
if (id === undefined || url === undefined || gc === undefined) throw new Error('usage: node --expose-gc memory-probe.js <contender> <redis-url> <count>')
const count = Number(countText ?? 10_000)
const spec = contenderById(id)
const prefix = `mem-${id}`
const keys = Array.from({ length: count }, (_, i) => `k:${i}`)

async function fill(getOrSet: (key: string, factory: () => Promise<unknown>) => Promise<unknown>, factory: (i: number) => () => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      await getOrSet(keys[i] as string, factory(i))
    }
  }
  await Promise.all(Array.from({ length: 64 }, worker))
}

function settledHeap(): number {
  for (let i = 0; i < 4; i++) gc?.()
  return process.memoryUsage().heapUsed
}

let originCalls = 0
if (spec.layer !== 'memory') {
  const writer = await spec.create(url, prefix, { l1Entries: count * 2 })
  await fill((key, factory) => writer.getOrSet(key, factory), (i) => async () => record(i))
  await new Promise((resolve) => setTimeout(resolve, 300))
  await writer.close()
}
const reader = await spec.create(url, prefix, { l1Entries: count * 2 })
await reader.getOrSet('warm', async () => record(0))
// The memory-only ceiling gets the same decoded objects a Redis read would give.
const fromOrigin = (i: number) => async (): Promise<unknown> => {
  originCalls++
  return JSON.parse(JSON.stringify(record(i)))
}
const before = settledHeap()
await fill((key, factory) => reader.getOrSet(key, factory), fromOrigin)
await new Promise((resolve) => setTimeout(resolve, 300))
const after = settledHeap()
const report: MemoryReport = { id, entries: count, bytesPerEntry: Math.round((after - before) / count), originCalls: spec.layer === 'memory' ? 0 : originCalls }
console.log(JSON.stringify(report))
await reader.close()
process.exit(0)
