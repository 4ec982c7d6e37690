import { CacheError, errors } from '../errors.js'

/** `closed`: calls flow. `open`: calls fail at once. `half-open`: one probe call decides. */
export type BreakerState = 'closed' | 'open' | 'half-open'

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  readonly failureThreshold?: number
  /** How long the circuit stays open before one probe is let through, in ms. @default 1000 */
  readonly openMs?: number
  /** Called on every state change, for logs and stats. */
  readonly onStateChange?: (state: BreakerState) => void
  /** Which errors mean the dependency is sick; others (a reply error from a live server) do not count. @default every error */
  readonly isFailure?: (error: unknown) => boolean
}

/**
 * Stops sending commands to a store that keeps failing, so callers fall back to
 * their origin at once instead of each waiting out a timeout, and a frozen Redis
 * does not pile up unanswered commands in memory.
 */
export class CircuitBreaker {
  private readonly failureThreshold: number
  private readonly openMs: number
  private readonly onStateChange: ((state: BreakerState) => void) | undefined
  private readonly isFailure: (error: unknown) => boolean
  private failures = 0
  private openedAt = 0
  private probing = false
  private current: BreakerState = 'closed'

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5
    this.openMs = options.openMs ?? 1000
    this.onStateChange = options.onStateChange
    this.isFailure = options.isFailure ?? (() => true)
  }

  /** The state now (an open circuit whose wait is over reports `half-open`). */
  get state(): BreakerState {
    if (this.current === 'open' && Date.now() - this.openedAt >= this.openMs) return 'half-open'
    return this.current
  }

  /** Runs `operation` unless the circuit is open; records its outcome. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    const state = this.state
    if (state === 'open' || (state === 'half-open' && this.probing)) {
      throw new CacheError(errors.E_CIRCUIT_OPEN, 'store circuit is open after repeated failures; using the origin until a probe succeeds')
    }
    const isProbe = state === 'half-open'
    if (isProbe) this.probing = true
    try {
      const result = await operation()
      this.succeeded()
      return result
    } catch (error) {
      if (this.isFailure(error)) this.failed(isProbe)
      else this.succeeded()
      throw error
    } finally {
      if (isProbe) this.probing = false
    }
  }

  private succeeded(): void {
    this.failures = 0
    if (this.current !== 'closed') this.transition('closed')
  }

  private failed(wasProbe: boolean): void {
    this.failures++
    if (wasProbe || (this.current === 'closed' && this.failures >= this.failureThreshold)) {
      this.openedAt = Date.now()
      this.transition('open')
    }
  }

  private transition(state: BreakerState): void {
    this.current = state
    this.onStateChange?.(state)
  }
}
