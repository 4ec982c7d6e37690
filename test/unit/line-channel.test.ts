/** The stdio framing: limits, oversized lines skipped as they stream, and the id of what was skipped. */
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { JsonRpcMessage } from '../../src/mcp/jsonrpc.js'
import { LineChannel, type LineChannelOptions } from '../../src/mcp/transports/line-channel.js'

/** A channel over in-memory streams; what it delivers, sends back and reports is recorded. */
async function channel(options: LineChannelOptions) {
  const input = new PassThrough()
  const output = new PassThrough()
  const lines = new LineChannel(input, output, options)
  const delivered: JsonRpcMessage[] = []
  const errors: string[] = []
  const sent: Array<Record<string, unknown>> = []
  lines.onmessage = (message) => delivered.push(message)
  lines.onerror = (error) => errors.push(error.message)
  output.setEncoding('utf8')
  output.on('data', (text: string) => sent.push(...text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)))
  await lines.start()
  /** Writes `text` in chunks of `size` bytes, then lets the stream events run. */
  const write = async (text: string | Buffer, size = 65_536) => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text)
    for (let at = 0; at < bytes.length; at += size) input.write(bytes.subarray(at, at + size))
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { write, delivered, errors, sent, lines }
}

const big = (bytes: number) => 'x'.repeat(bytes)

describe('a line channel toward an upstream', () => {
  const upstream = { maxMessageBytes: 1000, side: 'upstream' } as const

  it('turns an oversized answer into an error for its request, whether the id leads or trails', async () => {
    const c = await channel(upstream)
    await c.write(`{"jsonrpc":"2.0","id":7,"result":{"text":"${big(5000)}"}}\n`)
    await c.write(`{"result":{"text":"${big(5000)}","id":99},"jsonrpc":"2.0","id":"req-8"}\n`, 100)
    await c.write(`{"error":{"code":1,"message":"${big(5000)}"},"id":9}\n`)
    expect(c.delivered).toStrictEqual([
      { jsonrpc: '2.0', id: 7, error: { code: -32000, message: expect.stringContaining('maxUpstreamMessageBytes') } },
      { jsonrpc: '2.0', id: 'req-8', error: { code: -32000, message: expect.stringContaining('maxUpstreamMessageBytes') } },
      { jsonrpc: '2.0', id: 9, error: { code: -32000, message: expect.stringContaining('of 5') } },
    ])
  })

  it('finds the id of an oversized request in any key order', async () => {
    const c = await channel({ maxMessageBytes: 1000, side: 'client' })
    const params = `{"x":"${big(3000)}"}`
    await c.write(`{"jsonrpc":"2.0","id":5,"params":${params},"method":"tools/call"}\n{"jsonrpc":"2.0","method":"tools/call","id":"six","params":${params}}\n`)
    await c.write(`{"method":"tools/call","params":${params},"id":7,"jsonrpc":"2.0"}\n{"params":${params},"method":"x"}\n`)
    expect(c.sent.map((message) => message['id'])).toStrictEqual([5, 'six', 7, null])
  })

  it('never fails a request of ours for an oversized request or notification of the server', async () => {
    const c = await channel(upstream)
    await c.write(`{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{"x":"${big(5000)}"}}\n`)
    await c.write(`{"method":"sampling/createMessage","params":{"x":"${big(5000)}"},"jsonrpc":"2.0","id":3}\n`)
    await c.write(`{"jsonrpc":"2.0","method":"notifications/message","params":{"x":"${big(5000)}","id":3}}\n`)
    expect(c.delivered).toStrictEqual([])
    expect(c.errors).toHaveLength(3)
    expect(c.errors[0]).toContain('skipped')
  })

  it('keeps reading after an oversized line, across any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), async (chunk) => {
        const c = await channel(upstream)
        await c.write(`{"jsonrpc":"2.0","id":1,"result":{"t":"${big(3000)}"}}\n{"jsonrpc":"2.0","id":2,"result":{}}\n`, chunk)
        expect(c.delivered.map((message) => message.id)).toStrictEqual([1, 2])
        expect(c.delivered[1]).toStrictEqual({ jsonrpc: '2.0', id: 2, result: {} })
      }),
      { numRuns: 50 },
    )
  })
})

describe('a line channel toward a client', () => {
  const client = { maxMessageBytes: 1000, maxParamsDepth: 8, side: 'client' } as const

  it('answers oversized, too deep, invalid and non-JSON lines with errors naming the problem, and goes on', async () => {
    const c = await channel(client)
    await c.write(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"x":"${big(2000)}"}}\n`)
    await c.write(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"a":${'['.repeat(9)}${']'.repeat(9)}}}\n`)
    await c.write(`{"jsonrpc":"2.0","id":{"a":1},"method":"x"}\nnot json\n`)
    await c.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":4,"method":"ping","params":{"s":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}\n')]))
    await c.write(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"a":${'['.repeat(7)}${']'.repeat(7)}}}\n`)
    expect(c.sent).toStrictEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32600, message: expect.stringContaining('maxMessageBytes') } },
      { jsonrpc: '2.0', id: 2, error: { code: -32600, message: expect.stringContaining('nested deeper than 8 levels (maxParamsDepth)') } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringContaining('id must be') } },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringContaining('not valid JSON') } },
    ])
    // Invalid UTF-8 is read as U+FFFD, as the SDK reads it; 8 levels of params is within the limit.
    expect(c.delivered.map((message) => message.id)).toStrictEqual([4, 5])
  })

  it('refuses a client’s bad response toward the server that asked, never back to the client', async () => {
    const c = await channel(client)
    await c.write(`{"jsonrpc":"2.0","id":3,"result":{"a":${'['.repeat(9)}${']'.repeat(9)}}}\n`)
    await c.write(`{"jsonrpc":"2.0","id":4,"result":{"x":"${big(2000)}"}}\n`)
    await c.write(`{"jsonrpc":"2.0","id":5,"result":{},"error":{"code":1,"message":"both"}}\n`)
    expect(c.sent).toStrictEqual([]) // the client would take an error with id 3 for the answer to a request of its own
    expect(c.delivered).toStrictEqual([3, 4, 5].map((id) => ({ jsonrpc: '2.0', id, error: { code: -32600, message: expect.stringContaining("refused the client's response") } })))
  })

  it('holds at most the limit in memory for a line that never ends', async () => {
    const c = await channel(client)
    let most = 0
    for (let i = 0; i < 100; i++) {
      await c.write(big(10_000))
      most = Math.max(most, c.lines.bufferedBytes)
    }
    expect(most).toBeLessThanOrEqual(2048) // past the limit only the two ends are kept, not the 1 MB
    await c.write('\n{"jsonrpc":"2.0","id":6,"method":"ping"}\n')
    expect(c.sent).toHaveLength(1)
    expect(c.sent[0]).toMatchObject({ error: { message: expect.stringContaining('message of 1000000 bytes') } })
    expect(c.delivered.map((message) => message.id)).toStrictEqual([6])
  })
})
