import type { Readable, Writable } from 'node:stream'
import { errorResponse, RpcCode, validateMessage, type JsonRpcMessage, type RequestId } from '../jsonrpc.js'
import { checkMessageLimits, idOf } from '../message-limits.js'
import type { MessageChannel } from './channel.js'

/** Options of a {@link LineChannel}. */
export interface LineChannelOptions {
  /** Longest line, in bytes; a longer one is skipped without being buffered. */
  readonly maxMessageBytes: number
  /** Deepest nesting of a message's params; checked on client channels only. @default no limit */
  readonly maxParamsDepth?: number
  /**
   * `client`: bad lines are answered with JSON-RPC errors. `upstream`: a line
   * over the limit becomes an error response for the request it answers (so
   * the waiting caller hears at once), other bad lines go to `onerror`.
   */
  readonly side: 'client' | 'upstream'
}

/** Bytes of an oversized line kept from each end, to find its id. */
const EDGE_BYTES = 1024
const ID = String.raw`(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*")`
/** A message starting with its id (`{"jsonrpc":"2.0","id":7,...`). */
const ID_FIRST = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}\s*(,\s*"(result|error|method)")?`)
/** A message ending with its id (`...,"jsonrpc":"2.0","id":7}`); anchored at the last brace, so never a nested id. */
const ID_LAST = new RegExp(String.raw`"id"\s*:\s*${ID}\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$`)
/** A response that leads with its result or error (the id comes later). */
const RESPONSE_FIRST = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"(?:result|error)"/

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
    if (text !== '') this.handleLine(text)
  }

  private handleLine(line: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      this.reject(null, RpcCode.PARSE_ERROR, 'Parse error: the line is not valid JSON')
      return
    }
    const problem = validateMessage(parsed) ?? this.limitProblem(parsed)
    if (problem !== undefined) {
      this.reject(idOf(parsed), RpcCode.INVALID_REQUEST, `Invalid Request: ${problem}`)
      return
    }
    this.onmessage?.(parsed as JsonRpcMessage)
  }

  private limitProblem(message: unknown): string | undefined {
    const depth = this.options.maxParamsDepth
    return depth === undefined ? undefined : checkMessageLimits(message, { maxParamsDepth: depth })
  }

  private rejectOversized({ head, tail, bytes }: Oversized): void {
    const limit = `over the limit of ${this.options.maxMessageBytes} bytes`
    if (this.options.side === 'client') {
      this.reject(idOfEdges(head, tail, false), RpcCode.INVALID_REQUEST, `message of ${bytes} bytes ${limit} (maxMessageBytes)`)
      return
    }
    const id = idOfEdges(head, tail, true)
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

/**
 * The id of a message seen only by its two ends, or null. With
 * `responsesOnly`, only a response's id counts: an oversized request from the
 * server has an id of the server's own, which must not fail a request of ours.
 */
function idOfEdges(head: Buffer, tail: Buffer, responsesOnly: boolean): RequestId | null {
  const start = head.toString('utf8')
  const first = ID_FIRST.exec(start)
  if (first !== null && (!responsesOnly || first[3] === 'result' || first[3] === 'error')) return parseId(first[1])
  if (responsesOnly && !RESPONSE_FIRST.test(start)) return null
  return parseId(ID_LAST.exec(tail.toString('utf8'))?.[1])
}

function parseId(text: string | undefined): RequestId | null {
  if (text === undefined) return null
  try {
    return idOf({ id: JSON.parse(text) as unknown })
  } catch {
    return null
  }
}

function lastBytes(buffer: Buffer): Buffer {
  return buffer.length <= EDGE_BYTES ? buffer : Buffer.from(buffer.subarray(buffer.length - EDGE_BYTES))
}
