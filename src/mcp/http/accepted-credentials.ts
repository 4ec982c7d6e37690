import { LRUCache } from 'lru-cache'

/** Most kinds of request remembered per credential (a tool each, and the methods). */
const MAX_KINDS = 256

/** True when an upstream answer refuses the caller's credentials: a 401, or a 403 with a bearer challenge (too little scope). */
export function isAuthRefusal(status: number, challenge: string | undefined): boolean {
  return status === 401 || (status === 403 && challenge !== undefined && /^\s*(Bearer|DPoP)\b/i.test(challenge))
}

/**
 * Credentials an HTTP upstream accepted lately, by their HMAC ('' for none),
 * per kind of request (a tool, a method). Without JWT verification only the
 * upstream knows whether a credential is good, and for what: until it has
 * answered one with a success for that kind of request, a cached answer could
 * go to a caller it would refuse (an expired or forged token, too little
 * scope), so that caller's requests of that kind read nothing cached. A
 * success vouches for `ttlMs`; a refusal forgets the credential at once.
 */
export class AcceptedCredentials {
  private readonly byCredential: LRUCache<string, Map<string, number>>

  /** @param ttlMs how long a success vouches. @param max most credentials remembered (the least recently accepted go first). */
  constructor(
    private readonly ttlMs: number,
    max = 100_000,
  ) {
    this.byCredential = new LRUCache({ max })
  }

  /** True when the upstream accepted this credential for `kind` within the last `ttlMs`. */
  has(credential: string, kind: string): boolean {
    const at = this.byCredential.get(credential)?.get(kind)
    return at !== undefined && Date.now() - at < this.ttlMs
  }

  /** The upstream answered a request of `kind` that carried `credential` with a success. */
  vouch(credential: string, kind: string): void {
    let kinds = this.byCredential.get(credential)
    if (kinds === undefined) {
      kinds = new Map()
      this.byCredential.set(credential, kinds)
    }
    kinds.delete(kind)
    if (kinds.size >= MAX_KINDS) kinds.delete(kinds.keys().next().value as string)
    kinds.set(kind, Date.now())
  }

  /** The upstream refused `credential`: nothing it was accepted for stands. */
  forget(credential: string): void {
    this.byCredential.delete(credential)
  }
}
