import type { JsonRpcMessage } from '../jsonrpc.js'

/**
 * A bidirectional JSON-RPC message channel: the shape of the MCP SDK's
 * `Transport`, so SDK transports and ours plug into the gateway alike.
 */
export interface MessageChannel {
  start(): Promise<void>
  send(message: JsonRpcMessage, options?: unknown): Promise<void>
  close(): Promise<void>
  onmessage?: ((message: JsonRpcMessage, extra?: unknown) => void) | undefined
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  /**
   * The caller's credentials for what is sent from now on (an HTTP upstream's
   * headers): a session's client may present a refreshed token mid-session.
   */
  updateCredentials?(credentials: Readonly<Record<string, string>>): void
  /** The MCP session id a Streamable HTTP client was given (`mcp.session.id` on spans). */
  readonly sessionId?: string | undefined
  /** How the channel travels (`network.transport` on spans): `tcp` for HTTP. @default 'pipe' */
  readonly networkTransport?: 'pipe' | 'tcp'
}
