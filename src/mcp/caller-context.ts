import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * The client request being served, as the work done for it sees it. Carried
 * by AsyncLocalStorage from the HTTP front through the session to the HTTP
 * upstream: several callers may share one upstream connection (a stateless
 * group, a session whose token was refreshed), and each upstream request made
 * while serving one caller (its forward, a tools/list the gateway adds, a
 * miss's call) must carry that caller's own credentials and report back what
 * the upstream made of them.
 */
export interface CallerContext {
  /** The caller's credential headers, as received: sent with each upstream HTTP request made for it. */
  readonly credentials: Readonly<Record<string, string>>
  /**
   * False while the upstream has not lately accepted these credentials: the
   * request then reads no cached answer (it goes upstream, which decides).
   */
  mayReadCache(): boolean
  /** Hears the HTTP status (and `WWW-Authenticate`) of an upstream answer to a request made for this caller. */
  heard(status: number, challenge: string | undefined): void
}

const current = new AsyncLocalStorage<CallerContext>()

/** Runs `work` (and everything it starts) on behalf of `caller`. */
export function serveFor<T>(caller: CallerContext, work: () => T): T {
  return current.run(caller, work)
}

/** The caller being served here, if any (none in `proxy`, whose one client has no credentials to check). */
export function currentCaller(): CallerContext | undefined {
  return current.getStore()
}

/** Whether the request being served may be answered from the cache: true unless its caller is still unproven. */
export function callerMayReadCache(): boolean {
  return current.getStore()?.mayReadCache() ?? true
}
