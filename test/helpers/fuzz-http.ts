/**
 * One HTTP exchange of the fuzz suite, checked for being a well-formed answer:
 * the server answered (no dropped connection, no hang), with no 5xx but 503,
 * and with a body that is JSON (or an event stream of JSON messages).
 */

/** A request to send. */
export interface FuzzHttpRequest {
  readonly method: string
  readonly headers: Record<string, string>
  readonly body?: Buffer
}

/** Options of {@link exchange}. */
export interface ExchangeOptions {
  /**
   * The request body is over the server's limit: it may answer 413 and close
   * the connection before the client has sent it all, which fetch reports as
   * an error. @default false
   */
  readonly mayDrop?: boolean
  /** A body that is not JSON is allowed (the admin API's metrics and dashboard). @default false */
  readonly nonJsonAllowed?: boolean
  /** How long the whole exchange may take. @default 15_000 */
  readonly timeoutMs?: number
}

/** A checked answer. */
export interface FuzzHttpAnswer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The JSON-RPC messages of a JSON body or an event stream (an array body gives one per element). */
  readonly messages: ReadonlyArray<Record<string, unknown>>
}

/** Thrown when an answer breaks a rule that holds whatever was sent. */
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswerError'
}

/**
 * Sends `request` to `url` and checks the answer; resolves `dropped` when the
 * connection closed early and `mayDrop` allowed it.
 */
export async function exchange(url: string, request: FuzzHttpRequest, options: ExchangeOptions = {}): Promise<FuzzHttpAnswer | 'dropped'> {
  const timeoutMs = options.timeoutMs ?? 15_000
  const signal = AbortSignal.timeout(timeoutMs)
  let response: Response
  let text: string
  try {
    // An over-limit body goes on a connection of its own: a server that answers 413 early closes it,
    // and the next request must not be sent on that closing connection.
    const headers = options.mayDrop === true ? { ...request.headers, connection: 'close' } : request.headers
    response = await fetch(url, { method: request.method, headers, signal, ...(request.body === undefined ? {} : { body: request.body }) })
    text = await response.text()
  } catch (error) {
    if (signal.aborted) throw new MalformedAnswerError(`${request.method} ${url}: no complete answer within ${timeoutMs} ms`)
    if (options.mayDrop === true) return 'dropped'
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause
    throw new MalformedAnswerError(`${request.method} ${url}: the connection failed without an HTTP answer: ${(error as Error).message} (${cause?.code ?? cause?.message ?? 'no cause'})`)
  }
  if (response.status >= 500 && response.status !== 503) throw new MalformedAnswerError(`${request.method} ${url}: status ${response.status}: ${text.slice(0, 500)}`)
  const type = response.headers.get('content-type') ?? ''
  let payloads: string[]
  if (type.startsWith('text/event-stream')) {
    payloads = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter((payload) => payload !== '')
  } else if (text === '' || options.nonJsonAllowed === true) {
    payloads = []
  } else {
    payloads = [text]
  }
  const messages = payloads.flatMap((payload) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(payload)
    } catch {
      throw new MalformedAnswerError(`${request.method} ${url}: status ${response.status} (${type}) with a body that is not JSON: ${payload.slice(0, 300)}`)
    }
    const items = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed]
    return items.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object')
  })
  return { status: response.status, headers: response.headers, text, messages }
}
