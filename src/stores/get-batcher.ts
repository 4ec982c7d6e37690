import { CacheError, errors } from '../errors.js'

/** A GET waiting for the batch it joined. */
interface PendingGet {
  readonly key: string
  readonly resolve: (reply: Buffer | null) => void
  readonly reject: (error: unknown) => void
}

/** Most keys in one MGET: larger batches are split, so one slow reply holds back at most this many callers. */
const MAX_BATCH = 256

/**
 * Coalesces the GETs issued while the current microtasks run into one MGET.
 * Concurrent callers (64 requests in flight, a stampede's waiters) then cost
 * one round trip and one command parse instead of one each. The flush runs on
 * `process.nextTick`: scheduled from promise continuations (callers resuming
 * from the previous batch's reply) it runs once they have all queued their
 * GETs; a lone caller waits for no timer or I/O turn.
 */
export class GetBatcher {
  private pending: PendingGet[] = []

  constructor(private readonly send: (keys: string[]) => Promise<Array<Buffer | null>>) {}

  /** The raw value of `key` (null when absent or not a string), fetched with the keys asked for alongside it. */
  get(key: string): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) process.nextTick(() => this.flush())
      this.pending.push({ key, resolve, reject })
    })
  }

  private flush(): void {
    const batch = this.pending
    this.pending = []
    for (let start = 0; start < batch.length; start += MAX_BATCH) {
      const slice = batch.length <= MAX_BATCH ? batch : batch.slice(start, start + MAX_BATCH)
      this.send(slice.map((pending) => pending.key)).then(
        (replies) => {
          // A reply that is not one value per key (a connection out of step) fails the batch: every
          // caller must hear back, and none may take another key's value.
          if (!Array.isArray(replies) || replies.length !== slice.length) {
            const error = new CacheError(errors.E_STORE_UNAVAILABLE, `redis MGET of ${slice.length} keys answered ${Array.isArray(replies) ? `${replies.length} values` : String(replies)}`)
            for (const pending of slice) pending.reject(error)
            return
          }
          for (let i = 0; i < slice.length; i++) (slice[i] as PendingGet).resolve(replies[i] ?? null)
        },
        (error: unknown) => {
          for (const pending of slice) pending.reject(error)
        },
      )
    }
  }
}
