/** Samples kept: enough for a stable median, few enough to sort on every sample. */
const SAMPLES = 64

/**
 * The median of the last {@link SAMPLES} samples, kept up to date as they come (origin
 * latencies: one per miss). Reading it costs nothing, since a hit reads it every time and
 * misses are the rarer event; 0 until the first sample.
 */
export class RecentMedian {
  private readonly ring: number[] = []
  private next = 0
  /** The current median, in the samples' unit. */
  value = 0

  add(sample: number): void {
    if (this.ring.length < SAMPLES) this.ring.push(sample)
    else this.ring[this.next] = sample
    this.next = (this.next + 1) % SAMPLES
    const sorted = [...this.ring].sort((a, b) => a - b)
    const middle = sorted.length >> 1
    this.value = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
  }
}
