/**
 * The cross-process stampede: `processes` node processes (stampede-worker.js),
 * each with its own instance of one contender on one Redis, start callers of
 * the same missing key at the same moment. Without a lock shared through Redis,
 * each process runs the origin once (at best): that is what is counted.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { ContenderSpec } from './contenders.js'
import type { BenchRedis } from './redis-server.js'
import { median } from './stats.js'
import type { WorkerCommand, WorkerReport } from './stampede-worker.js'

/** One contender across processes. */
export interface CrossProcessRow {
  readonly spec: ContenderSpec
  /** Median over rounds of the origin calls summed over all processes. */
  readonly originCalls: number
  readonly minOriginCalls: number
  readonly maxOriginCalls: number
  /** Median time until the slowest process had its value, ms. */
  readonly totalMs: number
  readonly failed: number
}

/** What the cross-process scenario found. */
export interface CrossProcessResult {
  readonly processes: number
  readonly callersPerProcess: number
  readonly rows: readonly CrossProcessRow[]
}

const WORKER = join(import.meta.dirname, 'stampede-worker.js')

/** Runs the scenario for each contender in turn (its processes live only for its rounds). */
export async function runCrossProcess(
  specs: readonly ContenderSpec[],
  redis: BenchRedis,
  options: { processes: number; callersPerProcess: number; originMs: number; rounds: number },
  progress: (line: string) => void,
): Promise<CrossProcessResult> {
  await redis.command('FLUSHALL')
  const rows: CrossProcessRow[] = []
  for (const spec of specs) {
    const workers: ChildProcess[] = []
    try {
      const reports: Array<(report: WorkerReport) => void> = []
      const ready: Array<Promise<void>> = []
      for (let i = 0; i < options.processes; i++) {
        const child = fork(WORKER, [spec.id, redis.url, spec.id, String(options.callersPerProcess), String(options.originMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
        workers.push(child)
        ready.push(new Promise((resolve, reject) => {
          child.once('exit', (code) => {
            reject(new Error(`${spec.id} worker exited with ${code}`))
            reports[i]?.({ originCalls: 0, ms: 0, failed: options.callersPerProcess })
          })
          child.on('message', (report: WorkerReport) => ('ready' in report ? resolve() : reports[i]?.(report)))
        }))
      }
      await Promise.all(ready)
      const samples: Array<{ calls: number; ms: number; failed: number }> = []
      for (let round = 0; round < options.rounds; round++) {
        const key = `xstampede:${round}`
        const done = workers.map((_, i) => new Promise<WorkerReport>((resolve) => { reports[i] = resolve }))
        for (const child of workers) child.send({ go: key } satisfies WorkerCommand)
        const results = (await Promise.all(done)).filter((report) => 'originCalls' in report)
        samples.push({
          calls: results.reduce((sum, r) => sum + r.originCalls, 0),
          ms: Math.max(...results.map((r) => r.ms)),
          failed: results.reduce((sum, r) => sum + r.failed, 0),
        })
      }
      const calls = samples.map((s) => s.calls)
      rows.push({
        spec,
        originCalls: median(calls),
        minOriginCalls: Math.min(...calls),
        maxOriginCalls: Math.max(...calls),
        totalMs: median(samples.map((s) => s.ms)),
        failed: samples.reduce((sum, s) => sum + s.failed, 0),
      })
      progress(`  ${spec.name}: ${calls.join(', ')} origin calls`)
    } finally {
      for (const child of workers) {
        child.removeAllListeners('exit')
        if (child.connected) child.send({ exit: true } satisfies WorkerCommand)
      }
      await Promise.all(workers.map((child) => waitExit(child)))
    }
  }
  return { processes: options.processes, callersPerProcess: options.callersPerProcess, rows }
}

/** Waits for a worker to leave; SIGKILL after 3 s. */
function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
