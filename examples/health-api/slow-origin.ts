/**
 * Stands in for the seed's expensive AI and drug-database calls: a local,
 * deterministic computation behind a fixed delay, so a cache hit is visibly
 * faster than a miss. It counts its runs, which is how the tests prove a hit
 * did not run the analysis again.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** The analyses the origin performs. */
export type OriginTask = 'health_analysis' | 'medication_interactions' | 'drug_analysis' | 'drug_info'

/** Runs origin work after `delayMs` and counts each run by task. */
export class SlowOrigin {
  private readonly counts: Record<OriginTask, number> = { health_analysis: 0, medication_interactions: 0, drug_analysis: 0, drug_info: 0 }

  constructor(private readonly delayMs: number) {}

  /** Counts a run of `task`, waits the configured delay, then computes. */
  async run<T>(task: OriginTask, compute: () => T): Promise<T> {
    this.counts[task] += 1
    if (this.delayMs > 0) await sleep(this.delayMs)
    return compute()
  }

  /** How many times each task ran in this process. */
  runs(): Readonly<Record<OriginTask, number>> {
    return { ...this.counts }
  }
}
