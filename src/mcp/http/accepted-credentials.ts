import { LRUCache } from 'lru-cache'

/**
 * Credentials an HTTP upstream accepted lately, by their HMAC ('' for none).
 * Without JWT verification only the upstream knows whether a credential is
 * good: until it has answered one with a success, a cached answer could go to
 * a caller it would refuse (an expired or forged token), so that caller's
 * requests read nothing cached. Remembered for `ttlMs` after each success,
 * forgotten at once when the upstream refuses it.
 */
export class AcceptedCredentials {
  private readonly accepted: LRUCache<string, true>

  /** @param ttlMs how long a success vouches for a credential. @param max most credentials remembered (the least recently accepted go first). */
  constructor(ttlMs: number, max = 100_000) {
    this.accepted = new LRUCache({ max, ttl: ttlMs })
  }

  /** True when the upstream accepted this credential within the last `ttlMs`. */
  has(credential: string): boolean {
    return this.accepted.has(credential)
  }

  /** Takes an upstream's HTTP status for a request that carried `credential`. */
  heard(credential: string, status: number): void {
    if (status === 401 || status === 403) this.accepted.delete(credential)
    else if (status >= 200 && status < 300) this.accepted.set(credential, true)
  }
}
