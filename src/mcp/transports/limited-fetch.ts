import type { RequestId } from '../jsonrpc.js'
import { idOf } from '../message-limits.js'

/**
 * fetch, with each message of an answer cut at `maxBytes`: a JSON body whole,
 * an event stream (a POST's answer, or the GET stream) event by event, so a
 * long call's progress notifications never add up to the limit. Past it, the
 * body errors (the transport stops reading) and `onOversized` gets the id of
 * the request the POST carried, whose caller is then answered at once: with
 * an event stream, the transport reports a broken stream only to `onerror`,
 * and the caller would wait for its timeout.
 */
export function limitedFetch(maxBytes: number, onOversized: (id: RequestId, problem: string) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init)
    if (response.body === null) return response
    const id = init?.method === 'POST' && typeof init.body === 'string' ? requestIdOf(init.body) : null
    const events = response.headers.get('content-type')?.startsWith('text/event-stream') === true
    const problem = `upstream message over the limit of ${maxBytes} bytes (maxUpstreamMessageBytes)`
    const sizes = events ? new EventSizes() : undefined
    let seen = 0
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen = sizes === undefined ? seen + chunk.byteLength : sizes.add(chunk)
          if (seen <= maxBytes) {
            controller.enqueue(chunk)
            return
          }
          if (id !== null) onOversized(id, problem)
          controller.error(new Error(problem))
        },
      }),
    )
    return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
}

/**
 * Counts the bytes of the events of an event stream as its chunks arrive: the
 * largest event seen so far, and what the event still open holds. An event
 * ends at a blank line (`\n\n`, or `\n\r\n`), which may straddle two chunks.
 */
class EventSizes {
  private open = 0
  private lastByte = -1
  private beforeLast = -1

  /** Takes the next chunk; resolves the largest event size in it (an open one counts as far as it goes). */
  add(chunk: Uint8Array): number {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let largest = 0
    let start = 0
    for (let lf = bytes.indexOf(10); lf !== -1; lf = bytes.indexOf(10, lf + 1)) {
      const previous = lf > 0 ? bytes[lf - 1] : this.lastByte
      const beforePrevious = lf > 1 ? bytes[lf - 2] : lf === 1 ? this.lastByte : this.beforeLast
      if (previous !== 10 && !(previous === 13 && beforePrevious === 10)) continue
      largest = Math.max(largest, this.open + lf + 1 - start)
      this.open = 0
      start = lf + 1
    }
    this.open += bytes.length - start
    this.beforeLast = bytes.length > 1 ? (bytes[bytes.length - 2] as number) : this.lastByte
    this.lastByte = bytes.length > 0 ? (bytes[bytes.length - 1] as number) : this.lastByte
    return Math.max(largest, this.open)
  }
}

/** The id of the one request a POST body holds, or null (a notification, a response, a batch). */
function requestIdOf(body: string): RequestId | null {
  try {
    const message = JSON.parse(body) as unknown
    return typeof (message as { method?: unknown } | null)?.method === 'string' ? idOf(message) : null
  } catch {
    return null
  }
}
