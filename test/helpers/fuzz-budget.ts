/**
 * The time budget of the fuzz suite: `FUZZ_SECONDS` (default 60) for every
 * target together, shared out as each target starts, and a fast-check runner
 * that stops by itself when its share is spent.
 */
import fc from 'fast-check'

/** Total seconds of the fuzz suite, from `FUZZ_SECONDS`. @default 60 */
export function fuzzSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['FUZZ_SECONDS']
  if (raw === undefined || raw === '') return 60
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds < 5) throw new TypeError(`FUZZ_SECONDS must be a number of seconds, at least 5 (got ${JSON.stringify(raw)})`)
  return seconds
}

/**
 * Shares one wall-clock budget among targets that run one after another. A
 * share is computed when its target starts, from what is left, so the time
 * spent starting processes comes out of the total instead of adding to it.
 */
export class FuzzClock {
  private readonly deadline: number
  private remainingWeight: number

  /**
   * @param totalMs the whole budget, counted from `startedAt`
   * @param weights each target's part of the budget
   * @param reserveMs kept back at the end for teardown
   */
  constructor(
    totalMs: number,
    private readonly weights: Readonly<Record<string, number>>,
    private readonly reserveMs = 2_000,
    startedAt = Date.now(),
  ) {
    this.deadline = startedAt + totalMs
    this.remainingWeight = Object.values(weights).reduce((sum, weight) => sum + weight, 0)
  }

  /** The milliseconds `target` may fuzz for, at least `minMs`; call it once, when the target starts. */
  allot(target: string, minMs = 1_000): number {
    const weight = this.weights[target]
    if (weight === undefined) throw new TypeError(`no fuzz target ${target} (known: ${Object.keys(this.weights).join(', ')})`)
    const left = this.deadline - Date.now() - this.reserveMs
    const share = this.remainingWeight > 0 ? (left * weight) / this.remainingWeight : 0
    this.remainingWeight -= weight
    return Math.max(minMs, Math.floor(share))
  }
}

/** What one fuzz target ran. */
export interface FuzzReport {
  /** fast-check runs (one generated input each). */
  runs: number
  /** Messages or requests sent across those runs. */
  cases: number
  elapsedMs: number
}

/**
 * Runs `predicate` (which resolves with how many messages it sent) on values
 * of `arbitrary` until `timeMs` is spent (or `FUZZ_RUNS` runs, when set),
 * from `FUZZ_SEED` when set. The time-limit plugin abandons a run still going
 * when the time is up and counts it as passed; this waits for that run and
 * fails with its error, so a hang or a failure found in the last run is not
 * lost.
 */
export async function fuzzFor<T>(timeMs: number, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<number>): Promise<FuzzReport> {
  const started = Date.now()
  let runs = 0
  let cases = 0
  let last: Promise<void> = Promise.resolve()
  // Always an explicit seed, so that a failure fast-check does not report itself (the run in flight at the time limit) can name it too.
  const seed = process.env['FUZZ_SEED'] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env['FUZZ_SEED'])
  const maxRuns = process.env['FUZZ_RUNS']
  await fc.assert(
    fc.asyncProperty(arbitrary, (value) => {
      runs++
      last = predicate(value).then((sent) => {
        cases += sent
      })
      return last
    }),
    {
      // Far more runs than fit in the time: the time limit is what stops a default run.
      numRuns: maxRuns === undefined ? Math.max(100, timeMs) : Number(maxRuns),
      plugins: [fc.interruptAfterTimeLimit(timeMs)],
      seed,
    },
  )
  await last.catch((error: unknown) => {
    throw new Error(`run ${runs}, in flight when the time limit came, failed (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}): ${(error as Error).message}`, { cause: error })
  })
  return { runs, cases, elapsedMs: Date.now() - started }
}
