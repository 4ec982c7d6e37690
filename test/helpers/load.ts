/**
 * A bounded concurrent load for fault tests: `concurrency` loops call `work`
 * until stopped, recording each call's latency, outcome and when it happened.
 */

/** One finished call. */
export interface Sample {
  readonly at: number
  readonly ms: number
  readonly ok: boolean
  readonly status?: string
  readonly error?: string
}

/** A running load. */
export interface Load {
  readonly samples: Sample[]
  stop(): Promise<void>
}

/**
 * Starts `concurrency` loops of `work` (each call's resolved value may carry a
 * cache status), each pausing `pauseMs` between calls: a steady load rather than
 * a busy loop, so samples stay meaningful and memory figures honest.
 */
export function startLoad(concurrency: number, work: (i: number) => Promise<string | undefined>, pauseMs = 0): Load {
  const samples: Sample[] = []
  let running = true
  let counter = 0
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const started = performance.now()
      try {
        const status = await work(counter++)
        samples.push({ at: Date.now(), ms: performance.now() - started, ok: true, ...(status === undefined ? {} : { status }) })
      } catch (error) {
        samples.push({ at: Date.now(), ms: performance.now() - started, ok: false, error: (error as Error).message })
      }
      await (pauseMs > 0 ? sleep(pauseMs) : new Promise((resolve) => setImmediate(resolve)))
    }
  })
  return {
    samples,
    stop: async () => {
      running = false
      await Promise.all(loops)
    },
  }
}

/** The q-quantile of the latencies of `samples`, in ms. */
export function quantile(samples: readonly Sample[], q: number): number {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0
}

/** Milliseconds from `since` to the first sample with `status` (Infinity when none). */
export function timeToStatus(samples: readonly Sample[], since: number, status: string): number {
  const first = samples.find((sample) => sample.at >= since && sample.status === status)
  return first === undefined ? Number.POSITIVE_INFINITY : first.at - since
}

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
