import { CacheError, errors } from '../errors.js'

/**
 * Settles with `promise`, or rejects with E_STORE_TIMEOUT after `ms`. A command
 * written to a frozen server waits forever in the Redis client (whose own
 * per-command timeout we turn off), so every store call goes through this.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms >= 2 ** 31 - 1) return promise // setTimeout would fire at once; this long means no limit
  // One promise and one timer per call (not race + finally): this wraps every Redis command.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CacheError(errors.E_STORE_TIMEOUT, `${what} took longer than ${ms}ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
