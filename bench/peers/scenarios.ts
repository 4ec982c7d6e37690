/**
 * The in-process scenarios: throughput of hits and misses (a closed loop of
 * `concurrency` callers over a key set), and the in-process stampede (many
 * callers of one missing key at once). Rounds interleave the contenders, in an
 * order rotated each round; one fresh set of contender instances per scenario.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ContenderSpec, Contender } from './contenders.js'
import type { BenchRedis } from './redis-server.js'
import { latencySummary, median, rotate } from './stats.js'
import { valueOf, type ValueSize } from './values.js'

/** Knobs of a run (env BENCH_*; see run.ts). */
export interface BenchConfig {
  readonly rounds: number
  /** Length of one measured slice of one contender, ms. */
  readonly sliceMs: number
  /** Unmeasured run of each contender before round 1, ms. */
  readonly warmupMs: number
  /** Requests in flight. */
  readonly concurrency: number
  /** Keys of the 1 KB and of the 100 KB scenarios. */
  readonly keys: Readonly<Record<ValueSize, number>>
  readonly stampedeCallers: number
  readonly originMs: number
  readonly stampedeRounds: number
}

/** A throughput scenario. */
export interface ThroughputScenario {
  readonly title: string
  readonly kind: 'hit' | 'miss'
  readonly size: ValueSize
  readonly contenders: readonly ContenderSpec[]
}

/** Medians over the rounds for one contender. */
export interface ThroughputRow {
  readonly spec: ContenderSpec
  readonly opsPerSec: number
  readonly p50Us: number
  readonly p99Us: number
  /** Factory (origin) calls during measured hit slices: 0 unless a hit fell back to the origin. */
  readonly factoryCalls: number
  readonly errors: number
}

/** Results of one throughput scenario. */
export interface ThroughputResult {
  readonly scenario: ThroughputScenario
  readonly keyCount: number
  readonly rows: readonly ThroughputRow[]
}

/** One contender in the in-process stampede. */
export interface StampedeRow {
  readonly spec: ContenderSpec
  /** Median origin calls per round. */
  readonly originCalls: number
  readonly maxOriginCalls: number
  /** Median time until the last caller had its value, ms. */
  readonly totalMs: number
  readonly wrongValues: number
}

/** Results of the in-process stampede. */
export interface StampedeResult {
  /** How long the origin alone takes (a 50 ms timer, as this machine runs it), median ms. */
  readonly originAloneMs: number
  readonly rows: readonly StampedeRow[]
}

const LATENCY_SLOTS = 1 << 22
const latencies = new Float64Array(LATENCY_SLOTS)
/** Spreads consecutive operations over the key set (coprime with 10 000 and 500). */
const STRIDE = 7919

interface Slice {
  readonly opsPerSec: number
  readonly p50Us: number
  readonly p99Us: number
  readonly errors: number
}

/** Runs `op` with `concurrency` callers for `durationMs`; every call timed. */
export async function closedLoop(op: (n: number) => Promise<unknown>, concurrency: number, durationMs: number): Promise<Slice> {
  let issued = 0
  let done = 0
  let errors = 0
  const start = performance.now()
  const end = start + durationMs
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const n = issued++
      const started = performance.now()
      try {
        await op(n)
      } catch {
        errors++
      }
      latencies[done++ & (LATENCY_SLOTS - 1)] = performance.now() - started
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = performance.now() - start
  const { p50, p99 } = latencySummary(latencies, done)
  return { opsPerSec: (done / elapsed) * 1000, p50Us: p50 * 1000, p99Us: p99 * 1000, errors }
}

async function createAll(specs: readonly ContenderSpec[], redis: BenchRedis, l1Entries: number): Promise<Map<ContenderSpec, Contender>> {
  const built = new Map<ContenderSpec, Contender>()
  try {
    for (const spec of specs) built.set(spec, await spec.create(redis.url, spec.id, { l1Entries }))
  } catch (error) {
    await closeAll(built)
    throw error
  }
  return built
}

async function closeAll(built: Map<ContenderSpec, Contender>): Promise<void> {
  for (const contender of built.values()) await contender.close().catch(() => undefined)
}

/** Runs `count` operations with at most `concurrency` in flight. */
async function forEachLimited(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await op(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

/** A hit or miss throughput scenario, all its contenders, all rounds. */
export async function runThroughput(scenario: ThroughputScenario, redis: BenchRedis, config: BenchConfig, progress: (line: string) => void): Promise<ThroughputResult> {
  const keyCount = config.keys[scenario.size]
  await redis.command('FLUSHALL')
  const built = await createAll(scenario.contenders, redis, scenario.kind === 'hit' ? keyCount * 2 : 20_000)
  try {
    let factoryCalls = 0
    const keys = Array.from({ length: keyCount }, (_, i) => `k:${i}`)
    const factories = keys.map((_, i) => async () => {
      factoryCalls++
      return valueOf(scenario.size, i)
    })
    // Misses: fresh keys every time; the value comes from a small pool, built once.
    const pool = Array.from({ length: 64 }, (_, i) => valueOf(scenario.size, i))
    let missKey = 0
    const missFactory = async (): Promise<unknown> => pool[missKey & 63]
    const opFor = (contender: Contender): ((n: number) => Promise<unknown>) =>
      scenario.kind === 'hit'
        ? (n) => {
            const i = (n * STRIDE) % keyCount
            return contender.getOrSet(keys[i] as string, factories[i] as () => Promise<unknown>)
          }
        : () => contender.getOrSet(`m:${missKey++}`, missFactory)

    if (scenario.kind === 'hit') {
      for (const [spec, contender] of built) {
        await forEachLimited(keyCount, config.concurrency, (i) => contender.getOrSet(keys[i] as string, factories[i] as () => Promise<unknown>))
        progress(`  preloaded ${keyCount} keys for ${spec.name}`)
      }
      await sleep(200) // writes that are not awaited (mcp-cache, bentocache) land
    }
    const afterSlice = async (): Promise<void> => {
      if (scenario.kind === 'miss') {
        await sleep(20)
        await redis.command('FLUSHALL')
      }
    }
    for (const contender of built.values()) {
      await closedLoop(opFor(contender), config.concurrency, config.warmupMs)
      await afterSlice()
    }
    const samples = new Map<ContenderSpec, Array<Slice & { factoryCalls: number }>>()
    for (let round = 0; round < config.rounds; round++) {
      for (const spec of rotate(scenario.contenders, round)) {
        const contender = built.get(spec) as Contender
        const callsBefore = factoryCalls
        const slice = await closedLoop(opFor(contender), config.concurrency, config.sliceMs)
        await afterSlice()
        const list = samples.get(spec) ?? []
        list.push({ ...slice, factoryCalls: factoryCalls - callsBefore })
        samples.set(spec, list)
      }
      progress(`  round ${round + 1}/${config.rounds}`)
    }
    const rows = scenario.contenders.map((spec): ThroughputRow => {
      const list = samples.get(spec) ?? []
      return {
        spec,
        opsPerSec: median(list.map((s) => s.opsPerSec)),
        p50Us: median(list.map((s) => s.p50Us)),
        p99Us: median(list.map((s) => s.p99Us)),
        factoryCalls: scenario.kind === 'hit' ? list.reduce((sum, s) => sum + s.factoryCalls, 0) : 0,
        errors: list.reduce((sum, s) => sum + s.errors, 0),
      }
    })
    return { scenario, keyCount, rows }
  } finally {
    await closeAll(built)
  }
}

/** Many callers of one missing key at once, an origin that takes `originMs`: origin calls and time to the last answer. */
export async function runStampede(specs: readonly ContenderSpec[], redis: BenchRedis, config: BenchConfig, progress: (line: string) => void): Promise<StampedeResult> {
  await redis.command('FLUSHALL')
  const alone: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    await sleep(config.originMs)
    alone.push(performance.now() - started)
  }
  const built = await createAll(specs, redis, 20_000)
  try {
    const value = valueOf('1 KB', 7)
    const expected = JSON.stringify(value)
    const samples = new Map<ContenderSpec, Array<{ calls: number; ms: number; wrong: number }>>()
    for (let round = 0; round < config.stampedeRounds; round++) {
      for (const spec of rotate(specs, round)) {
        const contender = built.get(spec) as Contender
        let calls = 0
        const origin = async (): Promise<unknown> => {
          calls++
          await sleep(config.originMs)
          return value
        }
        const key = `stampede:${round}`
        const started = performance.now()
        const results = await Promise.all(Array.from({ length: config.stampedeCallers }, () => contender.getOrSet(key, origin).catch(() => undefined)))
        const ms = performance.now() - started
        const wrong = results.filter((result) => JSON.stringify(result) !== expected).length
        const list = samples.get(spec) ?? []
        list.push({ calls, ms, wrong })
        samples.set(spec, list)
        await sleep(50) // let not-awaited writes finish before the next contender starts its clock
      }
      progress(`  round ${round + 1}/${config.stampedeRounds}`)
    }
    const rows = specs.map((spec): StampedeRow => {
      const list = samples.get(spec) ?? []
      return {
        spec,
        originCalls: median(list.map((s) => s.calls)),
        maxOriginCalls: Math.max(...list.map((s) => s.calls)),
        totalMs: median(list.map((s) => s.ms)),
        wrongValues: list.reduce((sum, s) => sum + s.wrong, 0),
      }
    })
    return { originAloneMs: median(alone), rows }
  } finally {
    await closeAll(built)
  }
}
