/** Raw Streamable HTTP requests to `mcp-cache serve`, for what an SDK client would never send. */

/** One HTTP answer: status, headers that matter, and the JSON-RPC message(s) from a JSON body or an event stream. */
export interface RawAnswer {
  readonly status: number
  readonly session: string | null
  readonly text: string
  /** Every JSON-RPC message in the answer (one for a JSON body, one per `data:` line of a stream). */
  readonly messages: Array<Record<string, unknown>>
}

/** A 2026-07-28 request's `_meta` envelope, as the official client sends it. */
export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw-http', version: '1.0.0' },
}

/** POSTs `body` (a value, or raw text when a string) and reads every JSON-RPC message of the answer. */
export async function rawPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  const stream = response.headers.get('content-type')?.startsWith('text/event-stream') === true
  const payloads = stream ? text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)) : [text]
  const messages = payloads.flatMap((payload) => {
    try {
      const parsed = JSON.parse(payload) as unknown
      return (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>
    } catch {
      return []
    }
  })
  return { status: response.status, session: response.headers.get('mcp-session-id'), text, messages }
}

/** Headers of a stateless (2026-07-28) request. */
export const STATELESS_HEADERS = { 'mcp-protocol-version': '2026-07-28' }

/** Opens a 2025-11-25 session with raw requests; resolves with the headers its later requests carry. */
export async function openSession(url: string, headers: Record<string, string> = {}): Promise<Record<string, string>> {
  const init = await rawPost(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-http', version: '1.0.0' } } }, headers)
  if (init.session === null) throw new Error(`no session: ${init.status} ${init.text}`)
  const session = { ...headers, 'mcp-session-id': init.session, 'mcp-protocol-version': '2025-11-25' }
  await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, session)
  return session
}

/** A `tools/call` request. */
export function toolCall(id: string | number, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) } }
}

/** JSON text of `depth` nested arrays, built as text (a value that deep could not be stringified). */
export function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`
}
