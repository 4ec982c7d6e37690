import type { Readable, Writable } from 'node:stream'
import { errorResponse, RpcCode, validateMessage, type JsonRpcMessage } from '../jsonrpc.js'
import type { MessageChannel } from './channel.js'

/**
 * Newline-delimited JSON-RPC over a pair of streams, as MCP's stdio transport
 * frames it: the gateway's own stdin/stdout, or a child server's stdout/stdin.
 * Written here rather than taken from the SDK so that a malformed or oversized
 * line from a client gets a JSON-RPC error back instead of vanishing.
 */
export class LineChannel implements MessageChannel {
  onmessage?: (message: JsonRpcMessage) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  private buffer = ''
  private closed = false

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly maxMessageBytes: number,
    /** Answer bad lines with JSON-RPC errors (toward a client); otherwise report them to onerror. */
    private readonly answerBadInput = true,
  ) {}

  async start(): Promise<void> {
    this.input.setEncoding('utf8')
    this.input.on('data', (chunk: string) => this.receive(chunk))
    this.input.on('end', () => void this.close())
    this.input.on('error', (error) => this.onerror?.(error))
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return
    if (!this.output.write(`${JSON.stringify(message)}\n`)) await new Promise<void>((resolve) => this.output.once('drain', resolve))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.input.pause()
    this.onclose?.()
  }

  private receive(chunk: string): void {
    this.buffer += chunk
    let newline = this.buffer.indexOf('\n')
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '')
      this.buffer = this.buffer.slice(newline + 1)
      if (line.trim() !== '') this.handleLine(line)
      newline = this.buffer.indexOf('\n')
    }
    // A line still growing past the limit is dropped now, not buffered without bound.
    if (this.buffer.length > this.maxMessageBytes) {
      this.buffer = ''
      this.reject(null, RpcCode.INVALID_REQUEST, `message over the limit of ${this.maxMessageBytes} bytes (maxMessageBytes)`)
    }
  }

  private handleLine(line: string): void {
    if (line.length > this.maxMessageBytes) {
      this.reject(null, RpcCode.INVALID_REQUEST, `message over the limit of ${this.maxMessageBytes} bytes (maxMessageBytes)`)
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      this.reject(null, RpcCode.PARSE_ERROR, 'Parse error: the line is not valid JSON')
      return
    }
    const problem = validateMessage(parsed)
    if (problem !== undefined) {
      const id = (parsed as { id?: unknown } | null)?.id
      this.reject(typeof id === 'string' || typeof id === 'number' ? id : null, RpcCode.INVALID_REQUEST, `Invalid Request: ${problem}`)
      return
    }
    this.onmessage?.(parsed as JsonRpcMessage)
  }

  private reject(id: string | number | null, code: number, message: string): void {
    if (!this.answerBadInput) {
      this.onerror?.(new Error(message))
      return
    }
    this.send(errorResponse(id, code, message)).catch((error: unknown) => this.onerror?.(error as Error))
  }
}
