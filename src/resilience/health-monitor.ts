/**
 * Checks a dependency on a timer and acts when it fails repeatedly: the seeds'
 * "health check every 30 seconds, auto-reconnect on failure". It exists for the
 * failure no socket reports: a peer that vanished without FIN or RST leaves a
 * connection that looks open and answers nothing, forever.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined
  private failures = 0
  private checking = false

  constructor(
    private readonly intervalMs: number,
    private readonly check: () => Promise<unknown>,
    private readonly onUnhealthy: () => void,
    private readonly failuresBeforeAction = 2,
  ) {}

  /** Starts checking; the timer never keeps the process alive. */
  start(): void {
    if (this.timer !== undefined || this.intervalMs <= 0) return
    this.timer = setInterval(() => void this.tick(), this.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async tick(): Promise<void> {
    if (this.checking) return
    this.checking = true
    try {
      await this.check()
      this.failures = 0
    } catch {
      if (++this.failures >= this.failuresBeforeAction) {
        this.failures = 0
        this.onUnhealthy()
      }
    } finally {
      this.checking = false
    }
  }
}
