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
   * True once the client request has been answered. Work it started may go on
   * (a stream the SDK opened upstream, its reconnects): that is no longer this
   * caller's, and takes the connection's current credentials.
   */
  readonly finished: boolean
  /**
   * False while the upstream has not lately accepted these credentials for
   * this kind of request ({@link requestKind}): the request then reads nothing
   * cached (it goes upstream, which decides).
   */
  mayReadCache(kind: string): boolean
  /**
   * Hears the HTTP status (and `WWW-Authenticate`) of an upstream answer to
   * something sent for this caller: a request of `kind`, or (undefined) a
   * notification, a response or a stream.
   */
  heard(status: number, challenge: string | undefined, kind: string | undefined): void
}

const current = new AsyncLocalStorage<CallerContext>()

/** Runs `work` (and everything it starts) on behalf of `caller`. */
export function serveFor<T>(caller: CallerContext, work: () => T): T {
  return current.run(caller, work)
}

/** Runs `work` on behalf of nobody: for what the gateway sends on its own (a cancellation of a shared call). */
export function outsideCaller<T>(work: () => T): T {
  return current.exit(work)
}

/** The caller whose request is being served here, if any (none in `proxy`, whose one client has no credentials to check). */
export function currentCaller(): CallerContext | undefined {
  const caller = current.getStore()
  return caller === undefined || caller.finished ? undefined : caller
}

/** Whether the request being served may be answered from the cache: true unless its caller is unproven for `kind`. */
export function callerMayReadCache(kind: string): boolean {
  return currentCaller()?.mayReadCache(kind) ?? true
}

/**
 * What an upstream request is, as the upstream's acceptance of a credential
 * is kept: a tool call by its tool (an upstream may want more scope for one
 * tool than another), anything else by its method.
 */
export function requestKind(method: string, params: Readonly<Record<string, unknown>> | undefined): string {
  return method === 'tools/call' ? `tools/call:${String(params?.['name'])}` : method
}
