import { CacheError, errors } from '../errors.js'

/**
 * Settles with `promise`, or rejects with E_STORE_TIMEOUT after `ms`. A command
 * written to a frozen server waits forever in the Redis client (whose own
 * per-command timeout we turn off), so every store call goes through this.
 *
 * A timer that fires more than half its time late means this process's own
 * event loop was blocked (a long synchronous task, a burst of in-process hits
 * resolved in microtasks): the reply may be waiting unread in the socket. The
 * store is then given a fresh `ms` in which we can hear it, instead of being
 * called frozen for our own stall (which would open the breaker or replace a
 * healthy connection).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms >= 2 ** 31 - 1) return promise // setTimeout would fire at once; this long means no limit
  // One promise and one timer per call (not race + finally): this wraps every Redis command.
  return new Promise<T>((resolve, reject) => {
    let due = Date.now() + ms
    const expire = (): void => {
      const now = Date.now()
      if (now - due > ms / 2) {
        due = now + ms
        timer = setTimeout(expire, ms)
        return
      }
      reject(new CacheError(errors.E_STORE_TIMEOUT, `${what} took longer than ${ms}ms`))
    }
    let timer = setTimeout(expire, ms)
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
