import type { ServerResponse } from 'node:http'

/** Longest a response's head waits for the upstream to judge the caller's credentials. */
const MAX_HOLD_MS = 10_000

/** A response whose head is held back; see {@link holdHead}. */
export interface HeldHead {
  /**
   * Answers with this status, headers and body instead of whatever the
   * transport writes, if nothing has been sent yet: true then. Everything the
   * transport writes afterwards is dropped.
   */
  replace(status: number, headers: Record<string, string>, body: string): boolean
  /** Lets the held head (and everything after it) through. */
  release(): void
  /** True once {@link replace} answered. */
  readonly replaced: boolean
}

/**
 * Holds back the head the SDK transport writes on `res` until the upstream
 * has judged the caller's credentials. The transport opens its event stream
 * (status 200) before the request has gone upstream; an upstream 401 heard
 * after that could only reach the client as a JSON-RPC error inside a 200,
 * and an MCP client starts OAuth only on an HTTP 401 with `WWW-Authenticate`.
 * The head goes out once the upstream accepted, once the transport writes a
 * body (an answer from the cache, a progress event) or ends, and at the
 * latest after 10 s (a refusal comes at once; a slow tool must not keep the
 * client without a head).
 */
export function holdHead(res: ServerResponse): HeldHead {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse
  const write = res.write.bind(res) as (...args: unknown[]) => boolean
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  const flushHeaders = res.flushHeaders.bind(res)
  let state: 'held' | 'released' | 'replaced' = 'held'
  let head: unknown[] | undefined
  let flush = false
  const release = () => {
    if (state !== 'held') return
    state = 'released'
    clearTimeout(timer)
    if (head !== undefined) writeHead(...head)
    if (flush) flushHeaders()
  }
  const timer = setTimeout(release, MAX_HOLD_MS)
  timer.unref()
  res.writeHead = ((...args: unknown[]) => {
    if (state === 'held') {
      // Node's implicit head (flushHeaders) gives a status only: it never replaces the transport's.
      // One with headers does (an error answer after the stream's head, say).
      if (head === undefined || args.length > 1) head = args
      return res
    }
    return state === 'replaced' ? res : writeHead(...args)
  }) as ServerResponse['writeHead']
  // An event stream's head is flushed at once; held, it goes with the release.
  res.flushHeaders = () => {
    if (state === 'held') flush = true
    else if (state === 'released') flushHeaders()
  }
  res.write = ((...args: unknown[]) => {
    release()
    return state === 'replaced' ? true : write(...args)
  }) as ServerResponse['write']
  res.end = ((...args: unknown[]) => {
    release()
    return state === 'replaced' ? res : end(...args)
  }) as ServerResponse['end']
  return {
    release,
    replace(status, headers, body) {
      if (state !== 'held' || res.headersSent) return false
      state = 'replaced'
      clearTimeout(timer)
      writeHead(status, headers)
      end(body)
      return true
    },
    get replaced() {
      return state === 'replaced'
    },
  }
}
