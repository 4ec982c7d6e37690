/** withTimeout: a store that answers late times out; our own blocked event loop does not count against it. */
import { describe, expect, it } from 'vitest'
import { withTimeout } from '../../src/resilience/timeout.js'

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms))

/** Keeps this thread busy, as a long synchronous task or a burst of microtasks would. */
function blockFor(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // spin
  }
}

describe('withTimeout', () => {
  it('rejects with E_STORE_TIMEOUT when the answer comes after the limit', async () => {
    await expect(withTimeout(later(120, 'late'), 40, 'redis GET')).rejects.toMatchObject({ code: 'E_STORE_TIMEOUT', message: 'redis GET took longer than 40ms' })
  })

  it('gives the answer that arrived while this process was blocked past the limit', async () => {
    // The answer is due at 60 ms, the limit at 40 ms; the thread is busy until 150 ms, so both
    // timers are due when it frees up. The store did answer in time to be heard.
    const answer = withTimeout(later(60, 'value'), 40, 'redis GET')
    blockFor(150)
    await expect(answer).resolves.toBe('value')
  })

  it('still times out after a stall when no answer comes in the fresh window', async () => {
    const started = Date.now()
    const answer = withTimeout(later(1000, 'too late'), 40, 'redis GET')
    blockFor(150)
    await expect(answer).rejects.toMatchObject({ code: 'E_STORE_TIMEOUT' })
    expect(Date.now() - started).toBeLessThan(600)
  })
})
