import { CacheError, errors } from '../errors.js'

/** Returned instead of a value when the soft timeout passed and a stale value should be served. */
export const SOFT_TIMEOUT = Symbol('soft-timeout')

/**
 * Runs the caller's factory under an optional soft timeout (only when there is a
 * stale value to fall back on) and hard timeout. The factory is never abandoned:
 * past a soft timeout it keeps running, and `onLate` receives its value so the
 * entry is refreshed in the background.
 */
export function runFactory<T>(
  factory: () => T | Promise<T>,
  limits: { softMs?: number | undefined; hardMs?: number | undefined },
  onLate: (value: T) => void,
  onLateFailure: (error: unknown) => void = () => undefined,
): Promise<T | typeof SOFT_TIMEOUT> {
  let produced: Promise<T>
  try {
    produced = Promise.resolve(factory())
  } catch (error) {
    return Promise.reject(error)
  }
  // setTimeout fires at once past 2^31-1 ms; longer limits mean "no limit" in practice.
  const softMs = clampTimer(limits.softMs)
  const hardMs = clampTimer(limits.hardMs)
  if (softMs === undefined && hardMs === undefined) return produced

  return new Promise<T | typeof SOFT_TIMEOUT>((resolve, reject) => {
    let settled = false
    const timers: NodeJS.Timeout[] = []
    const finish = (): void => {
      settled = true
      for (const timer of timers) clearTimeout(timer)
    }
    if (softMs !== undefined) {
      timers.push(
        setTimeout(() => {
          if (settled) return
          finish()
          produced.then(onLate, onLateFailure)
          resolve(SOFT_TIMEOUT)
        }, softMs),
      )
    }
    if (hardMs !== undefined) {
      timers.push(
        setTimeout(() => {
          if (settled) return
          finish()
          produced.catch(() => undefined)
          reject(new CacheError(errors.E_FACTORY_TIMEOUT, `the factory did not finish within its hard timeout of ${hardMs}ms`))
        }, hardMs),
      )
    }
    produced.then(
      (value) => {
        if (settled) return
        finish()
        resolve(value)
      },
      (error: unknown) => {
        if (settled) return
        finish()
        reject(error)
      },
    )
  })
}

const MAX_TIMER_MS = 2 ** 31 - 1

function clampTimer(ms: number | undefined): number | undefined {
  return ms === undefined || ms >= MAX_TIMER_MS ? undefined : ms
}
