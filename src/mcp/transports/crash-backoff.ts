import { backoffDelay } from '../../resilience/backoff.js'
import type { MessageChannel } from './channel.js'

/** Thrown instead of starting an upstream that keeps crashing; says when to retry. */
export class UpstreamBackoffError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`the upstream keeps crashing at start; retry in ${Math.ceil(retryAfterMs / 1000)} s`)
    this.name = 'UpstreamBackoffError'
  }
}

/**
 * Spaces out restarts of a stdio upstream that dies soon after it starts, with
 * exponential backoff, so a broken server is not respawned for every request.
 * A child that ran longer than `stableMs` resets the count.
 */
export class CrashBackoff {
  private crashes = 0
  private notBefore = 0

  constructor(
    private readonly stableMs = 10_000,
    private readonly maxDelayMs = 30_000,
  ) {}

  /** Wraps the creation of a new upstream channel; throws UpstreamBackoffError while backing off. */
  start<T extends MessageChannel>(create: () => T): T {
    const wait = this.notBefore - Date.now()
    if (wait > 0) throw new UpstreamBackoffError(wait)
    const channel = create()
    const started = Date.now()
    const onclose = channel.onclose
    const previousStart = channel.start.bind(channel)
    const previousClose = channel.close.bind(channel)
    // A child the gateway stops (its session ended) did not crash, however short it ran.
    let stopped = false
    channel.close = async () => {
      stopped = true
      await previousClose()
    }
    // Observe the exit without taking onclose from the session, which sets it on start.
    channel.start = async () => {
      try {
        await previousStart()
      } catch (error) {
        this.exited(0)
        throw error
      }
      const sessionOnclose = channel.onclose ?? onclose
      channel.onclose = () => {
        if (!stopped) this.exited(Date.now() - started)
        sessionOnclose?.()
      }
    }
    return channel
  }

  private exited(uptimeMs: number): void {
    if (uptimeMs >= this.stableMs) {
      this.crashes = 0
      return
    }
    this.crashes++
    this.notBefore = Date.now() + backoffDelay(this.crashes, { baseMs: 250, maxMs: this.maxDelayMs })
  }
}
