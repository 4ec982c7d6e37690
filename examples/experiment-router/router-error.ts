/** Stable codes of the answers a caller can act on (sent back as tool errors). */
export type RouterErrorCode = 'E_NOT_FOUND' | 'E_NOT_RUNNING' | 'E_INVALID_INPUT' | 'E_ANALYTICS_UNAVAILABLE' | 'E_VECTORS_UNAVAILABLE'

/** A refusal the caller caused (unknown id, paused experiment), or a backend to fix; never cached, since the factory throws it. */
export class RouterError extends Error {
  constructor(readonly code: RouterErrorCode, message: string) {
    super(message)
    this.name = 'RouterError'
  }
}
