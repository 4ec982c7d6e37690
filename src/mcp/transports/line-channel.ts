import type { Readable, Writable } from 'node:stream'
import { isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResponse } from '@modelcontextprotocol/server'
import { errorResponse, RpcCode, validateMessage, type JsonRpcMessage, type RequestId } from '../jsonrpc.js'
import { checkMessageLimits, idOf, isResponseShaped, requestIdOf } from '../message-limits.js'
import type { MessageChannel } from './channel.js'
import { readOversized } from './oversized-message.js'

/** Options of a {@link LineChannel}. */
export interface LineChannelOptions {
  /** Longest line, in bytes; a longer one is skipped without being buffered. */
  readonly maxMessageBytes: number
  /** Deepest nesting of a message's params; checked on client channels only. @default no limit */
  readonly maxParamsDepth?: number
  /**
   * `client`: bad lines are answered with JSON-RPC errors, and must also meet
   * the SDK's schema (the upstream's SDK drops what does not, and its caller
   * would wait for the upstream timeout). A refused response to a server's
   * request becomes an error response that goes upstream in its place.
   * `upstream`: a line over the limit becomes an error response for the
   * request it answers (so the waiting caller hears at once), other bad lines
   * go to `onerror`.
   */
  readonly side: 'client' | 'upstream'
}

/** Bytes of an oversized line kept from each end, to find its id. */
const EDGE_BYTES = 1024
/** What is kept of a line that went over the limit while it is skipped. */
interface Oversized {
  head: Buffer
  tail: Buffer
  bytes: number
}

/**
 * Newline-delimited JSON-RPC over a pair of streams, as MCP's stdio transport
 * frames it: the gateway's own stdin/stdout, or a child server's stdout/stdin.
 * Written here rather than taken from the SDK so that a malformed, oversized
 * or too deeply nested line gets a JSON-RPC error back instead of vanishing,
 * and so that an oversized line is skipped as it streams by, keeping only its
 * two ends (memory stays bounded whatever a peer writes).
 */
export class LineChannel implements MessageChannel {
  onmessage?: (message: JsonRpcMessage) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  private parts: Buffer[] = []
  private partsBytes = 0
  private oversized: Oversized | undefined
  private closed = false

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: LineChannelOptions,
  ) {}

  async start(): Promise<void> {
    this.input.on('data', (chunk: Buffer | string) => {
      try {
        this.receive(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
      } catch (error) {
        // A handler that throws must not stop the stream (or the process): report and go on.
        this.onerror?.(error as Error)
      }
    })
    this.input.on('end', () => void this.close())
    this.input.on('error', (error) => this.onerror?.(error))
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return
    if (!this.output.write(`${JSON.stringify(message)}\n`)) await new Promise<void>((resolve) => this.output.once('drain', resolve))
  }

  /** Bytes held for the line being read: at most `maxMessageBytes`, or the two ends of an oversized one. */
  get bufferedBytes(): number {
    return this.partsBytes + (this.oversized === undefined ? 0 : this.oversized.head.length + this.oversized.tail.length)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.input.pause()
    this.onclose?.()
  }

  private receive(chunk: Buffer): void {
    let start = 0
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, newline))
      this.endLine()
      start = newline + 1
    }
    if (start < chunk.length) this.append(chunk.subarray(start))
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return
    if (this.oversized !== undefined) {
      this.oversized.bytes += piece.length
      this.oversized.tail = lastBytes(Buffer.concat([this.oversized.tail, lastBytes(piece)]))
      return
    }
    if (this.partsBytes + piece.length <= this.options.maxMessageBytes) {
      this.parts.push(piece)
      this.partsBytes += piece.length
      return
    }
    const sofar = Buffer.concat([...this.parts, piece])
    this.oversized = { head: Buffer.from(sofar.subarray(0, EDGE_BYTES)), tail: lastBytes(sofar), bytes: sofar.length }
    this.parts = []
    this.partsBytes = 0
  }

  private endLine(): void {
    const oversized = this.oversized
    if (oversized !== undefined) {
      this.oversized = undefined
      this.rejectOversized(oversized)
      return
    }
    const line = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts)
    this.parts = []
    this.partsBytes = 0
    // Invalid UTF-8 becomes U+FFFD, as the SDK's stdio transport reads it.
    const text = line.toString('utf8').trim()
    if (text === '') return
    try {
      this.handleLine(text)
    } catch (error) {
      // One line's failure is reported; the lines after it are still read.
      this.onerror?.(error as Error)
    }
  }

  private handleLine(line: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      this.reject(null, RpcCode.PARSE_ERROR, 'Parse error: the line is not valid JSON')
      return
    }
    const problem = validateMessage(parsed) ?? this.clientProblem(parsed)
    if (problem === undefined) this.onmessage?.(parsed as JsonRpcMessage)
    else if (this.options.side === 'client' && isResponseShaped(parsed) && idOf(parsed) !== null) this.refuseResponse(idOf(parsed) as RequestId, problem)
    else this.reject(requestIdOf(parsed), RpcCode.INVALID_REQUEST, `Invalid Request: ${problem}`)
  }

  /** What a client's message breaks: a limit (checked first: schemas recurse), or the SDK's schema. */
  private clientProblem(message: unknown): string | undefined {
    if (this.options.side !== 'client') return undefined
    const depth = this.options.maxParamsDepth
    const overLimit = depth === undefined ? undefined : checkMessageLimits(message, { maxParamsDepth: depth })
    if (overLimit !== undefined) return overLimit
    const record = message as { method?: unknown; id?: unknown }
    const valid = typeof record.method !== 'string' ? isJSONRPCResponse(message) : record.id === undefined || record.id === null ? isJSONRPCNotification(message) : isJSONRPCRequest(message)
    return valid ? undefined : 'not a valid MCP message (params must be an object; _meta an object; progressToken a string or number; id a string or integer)'
  }

  /** A client's answer to a server request that was refused: the server gets an error for its request instead of waiting. */
  private refuseResponse(id: RequestId, problem: string): void {
    this.onerror?.(new Error(`a response from the client was refused: ${problem}`))
    this.onmessage?.(errorResponse(id, RpcCode.INVALID_REQUEST, `mcp-cache refused the client's response: ${problem}`))
  }

  private rejectOversized({ head, tail, bytes }: Oversized): void {
    const limit = `over the limit of ${this.options.maxMessageBytes} bytes`
    const message = readOversized(head.toString('utf8'), tail.toString('utf8'))
    if (this.options.side === 'client') {
      const problem = `message of ${bytes} bytes ${limit} (maxMessageBytes)`
      // A client's response carries the server's id: its error goes to the server, not back to the client.
      if (message.kind === 'response' && message.id !== null) this.refuseResponse(message.id, problem)
      else this.reject(message.kind === 'request' ? message.id : null, RpcCode.INVALID_REQUEST, problem)
      return
    }
    // Only a response's id is one of ours: an oversized request of the server must not fail a request of ours.
    const id = message.kind === 'response' ? message.id : null
    const problem = `upstream message of ${bytes} bytes ${limit} (maxUpstreamMessageBytes)`
    if (id === null) {
      this.onerror?.(new Error(`${problem}; it was skipped`))
      return
    }
    // The caller waiting for this answer gets an error now instead of waiting for its timeout.
    this.onmessage?.(errorResponse(id, RpcCode.UPSTREAM_ERROR, problem))
  }

  private reject(id: RequestId | null, code: number, message: string): void {
    if (this.options.side === 'upstream') {
      this.onerror?.(new Error(message))
      return
    }
    this.send(errorResponse(id, code, message)).catch((error: unknown) => this.onerror?.(error as Error))
  }
}

function lastBytes(buffer: Buffer): Buffer {
  return buffer.length <= EDGE_BYTES ? buffer : Buffer.from(buffer.subarray(buffer.length - EDGE_BYTES))
}
