/**
 * What an attacker (or a broken client or server) can send the gateway, one
 * finding at a time: nothing stops the process, every request gets its own
 * answer, and a valid call still works afterwards. `serve` (sessions and
 * stateless requests) and `proxy` alike.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER, ROOT, connectThroughProxy, writeConfig } from '../helpers/proxy-client.js'
import { initializeLine, spawnRawProxy, type RawProxy } from '../helpers/raw-proxy.js'
import { MODERN_META, STATELESS_HEADERS, nestedArrays, openSession, rawPost, toolCall } from '../helpers/raw-http.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

/** A request whose params nest `depth` arrays deep, as raw JSON text. */
function deepRequest(id: number, method: string, depth: number): string {
  const params = method === 'tools/call' ? `{"name":"lookup_code","arguments":{"code":${nestedArrays(depth)}}` : `{"uri":${nestedArrays(depth)}`
  return `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${params},"_meta":${JSON.stringify(MODERN_META)}}}`
}

/** A POST whose event stream is read as it arrives. */
async function streamingPost(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) })
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  return {
    nextEvent: async () => decoder.decode((await reader.read()).value),
    rest: async () => {
      let text = ''
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value)
      return text
    },
  }
}

/** The processes `pid` started that still run. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
}

async function lookup(url: string, code: string): Promise<string> {
  const client = new Client({ name: 'hostile-check', version: '1.0.0' }, { capabilities: {} })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  const result = await client.callTool({ name: 'lookup_code', arguments: { code } })
  await client.close()
  return (result.content as Array<{ text: string }>)[0]?.text ?? ''
}

describe('serve given hostile requests', () => {
  let gateway: UrlProcess
  beforeAll(async () => {
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, COUNTING_SERVER])
  })
  afterAll(async () => {
    await gateway.stop()
  })

  it('refuses params nested deeper than maxParamsDepth, naming the limit, in stateless requests, sessions and batches', async () => {
    for (const depth of [100, 4000, 100_000]) {
      for (const method of ['tools/call', 'resources/read', 'prompts/get']) {
        const answer = await rawPost(gateway.url, deepRequest(7, method, depth), STATELESS_HEADERS)
        expect(answer.status).toBe(400)
        expect(answer.messages[0]).toMatchObject({ id: 7, error: { code: -32600, message: expect.stringContaining('maxParamsDepth') } })
      }
    }
    const batch = await rawPost(gateway.url, `[${deepRequest(8, 'tools/call', 4000)}]`, STATELESS_HEADERS)
    expect(batch.status).toBe(400)
    expect(batch.text).toContain('maxParamsDepth')
    const session = await openSession(gateway.url)
    const inSession = await rawPost(gateway.url, deepRequest(9, 'resources/read', 4000), session)
    expect(inSession.messages[0]).toMatchObject({ id: 9, error: { message: expect.stringContaining('maxParamsDepth') } })
    // Just under the limit is work as usual: the tool answers (a validation error of its own for a non-string code).
    const shallow = await rawPost(gateway.url, toolCall(10, 'lookup_code', { code: JSON.parse(nestedArrays(60)) as unknown }), session)
    expect(shallow.messages.find((message) => message['id'] === 10)).toBeDefined()
    expect(gateway.child.exitCode).toBeNull()
    expect(await lookup(gateway.url, 'D1')).toBe('D1: call 1')
  })

  it('answers a second request with an id still in flight with an error of its own; the first still gets its answer', async () => {
    const session = await openSession(gateway.url)
    const first = await streamingPost(gateway.url, toolCall(5, 'slow_lookup', { q: 'dup' }, { progressToken: 'p5' }), session)
    await first.nextEvent() // its first progress: the request is in flight upstream
    const second = await rawPost(gateway.url, toolCall(5, 'lookup_code', { code: 'DUP' }), session)
    expect(second.messages).toStrictEqual([{ jsonrpc: '2.0', id: 5, error: { code: -32600, message: expect.stringContaining('already used by a request in flight') } }])
    const rest = await first.rest()
    expect(rest).toContain('dup: slow call 1')
    // Both at once on a new session, while the first waits for the tool list: still one answer each.
    const fresh = await openSession(gateway.url)
    const both = await Promise.all([rawPost(gateway.url, toolCall(7, 'lookup_code', { code: 'T1' }), fresh), rawPost(gateway.url, toolCall(7, 'lookup_code', { code: 'T2' }), fresh)])
    const replies = both.flatMap((answer) => answer.messages.filter((message) => message['id'] === 7))
    expect(replies).toHaveLength(2)
    expect(replies.filter((reply) => (reply['error'] as { message?: string } | undefined)?.message?.includes('already used') === true)).toHaveLength(1)
    expect(replies.filter((reply) => reply['result'] !== undefined)).toHaveLength(1)
    // Stateless clients of one principal share an upstream: one cannot cancel another's request.
    const stateless = streamingPost(gateway.url, toolCall(8, 'slow_lookup', { q: 'mine' }, { ...MODERN_META, progressToken: 'p8' }), STATELESS_HEADERS)
    const started = await stateless
    await started.nextEvent() // in flight upstream
    for (const requestId of [8, 's1', 's2', 1, 2, 3]) await rawPost(gateway.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } }, STATELESS_HEADERS)
    expect(await started.rest()).toContain('mine: slow call')
    // Twice in one batch is refused too, before either runs.
    const batch = await rawPost(gateway.url, [toolCall(6, 'lookup_code', { code: 'B' }), toolCall(6, 'lookup_code', { code: 'C' })], STATELESS_HEADERS)
    expect(batch.messages).toHaveLength(2)
    expect(batch.messages.every((message) => (message['error'] as { code?: number } | undefined)?.code === -32600)).toBe(true)
  })
})

describe('serve and its upstream children', () => {
  let gateway: UrlProcess
  beforeAll(async () => {
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--max-sessions', '2', '--', process.execPath, COUNTING_SERVER])
  })
  afterAll(async () => {
    await gateway.stop()
  })

  it('starts no upstream for an initialize it refuses, and a session’s end is no crash that holds back the next', async () => {
    for (let i = 0; i < 10; i++) {
      const refused = await rawPost(gateway.url, { jsonrpc: '2.0', id: i, method: 'initialize', params: {} })
      expect(refused.status).toBe(400)
    }
    expect(childrenOf(gateway.child.pid as number)).toStrictEqual([])
    for (let i = 0; i < 3; i++) {
      const session = await openSession(gateway.url)
      expect((await fetch(gateway.url, { method: 'DELETE', headers: session })).status).toBe(200)
    }
    expect(await lookup(gateway.url, 'after-sessions')).toBe('after-sessions: call 1')
  })
})

describe('serve when a handler fails after the limits pass', () => {
  let gateway: UrlProcess
  beforeAll(async () => {
    // Limits raised far past what hashing and forwarding can recurse through.
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--config', writeConfig({ maxParamsDepth: 10_000 }), '--', process.execPath, COUNTING_SERVER])
  })
  afterAll(async () => {
    await gateway.stop()
  })

  it('answers the failure as that request’s JSON-RPC error and keeps serving', async () => {
    for (const method of ['tools/call', 'resources/read']) {
      const answer = await rawPost(gateway.url, deepRequest(3, method, 9_999), STATELESS_HEADERS)
      expect(answer.messages.find((message) => message['id'] === 3)).toMatchObject({ error: { code: expect.any(Number) } })
    }
    expect(gateway.child.exitCode).toBeNull()
    expect(await lookup(gateway.url, 'F1')).toBe('F1: call 1')
  })
})

describe('proxy given hostile lines', () => {
  async function started(config: unknown = {}): Promise<RawProxy> {
    const proxy = spawnRawProxy(['--config', writeConfig(config), '--', process.execPath, COUNTING_SERVER])
    proxy.write(initializeLine(1))
    await proxy.next(1)
    proxy.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))
    return proxy
  }

  it('refuses a deeply nested line with an error naming the limit, and keeps serving', async () => {
    const proxy = await started()
    proxy.write(deepRequest(2, 'tools/call', 100_000))
    expect(await proxy.next(2)).toMatchObject({ error: { code: -32600, message: expect.stringContaining('maxParamsDepth') } })
    proxy.write(JSON.stringify(toolCall(3, 'lookup_code', { code: 'P1' })))
    expect(await proxy.next(3)).toMatchObject({ result: { content: [{ text: 'P1: call 1' }] } })
    proxy.child.stdin.end()
    expect(await proxy.exited).toBe(0)
  })

  it('answers what the upstream’s SDK would drop with an error, and never lets it hold up a valid call', async () => {
    const proxy = await started()
    proxy.write(JSON.stringify(toolCall(10, 'lookup_code', { code: 'S' }, { progressToken: {} })))
    proxy.write(JSON.stringify({ jsonrpc: '2.0', id: 11, method: 'tools/call', params: [1, 2] }))
    proxy.write(JSON.stringify(toolCall(12, 'lookup_code', { code: 'S' })))
    expect(await proxy.next(10)).toMatchObject({ error: { code: -32600, message: expect.stringContaining('not a valid MCP message') } })
    expect(await proxy.next(11)).toMatchObject({ error: { code: -32600 } })
    expect(await proxy.next(12)).toMatchObject({ result: { content: [{ text: 'S: call 1' }] } })
    proxy.child.stdin.end()
    await proxy.exited
  })

  it('reads every line of a chunk whatever one of them holds', async () => {
    const proxy = await started()
    const lines = [{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: { toString: 1, valueOf: 1 } } }, { jsonrpc: '2.0', id: 9, method: 'ping' }, { jsonrpc: '2.0', id: 10, method: 'tools/list' }]
    proxy.write(lines.map((line) => JSON.stringify(line)).join('\n'))
    expect(await proxy.next(9)).toMatchObject({ result: {} })
    expect(await proxy.next(10)).toMatchObject({ result: { tools: expect.any(Array) } })
    proxy.child.stdin.end()
    await proxy.exited
  })

  it('never lets a cancellation of nothing in flight reach another request upstream', async () => {
    const proxy = await started()
    // The gateway's own upstream ids are 1, 2, 3...: a stray cancellation of 1 to 3 must not name the slow call there.
    proxy.write(JSON.stringify(toolCall(10, 'slow_lookup', { q: 'stray' })))
    for (const requestId of [1, 2, 3, 's1']) proxy.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } }))
    expect(await proxy.next(10)).toMatchObject({ result: { content: [{ text: 'stray: slow call 1' }] } })
    proxy.child.stdin.end()
    await proxy.exited
  })

  it('never answers a reused id with the answer of the cancelled request that had it', async () => {
    const proxy = await started()
    // The first call waits for the tool list when it is cancelled; its id is then free, and reused.
    const lines = [toolCall(5, 'lookup_code', { code: 'A' }), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } }, toolCall(5, 'slow_lookup', { q: 'B' })]
    proxy.write(lines.map((line) => JSON.stringify(line)).join('\n'))
    expect(await proxy.next(5)).toMatchObject({ result: { content: [{ text: 'B: slow call 1' }] } })
    proxy.child.stdin.end()
    await proxy.exited
  })

  it('answers a second request with an id still in flight with an error; the first gets its result', async () => {
    const proxy = await started()
    proxy.write(JSON.stringify(toolCall(4, 'slow_lookup', { q: 'first' })))
    proxy.write(JSON.stringify(toolCall(4, 'lookup_code', { code: 'second' })))
    const answers = [await proxy.next(4), await proxy.next(4)]
    expect(answers[0]).toMatchObject({ error: { code: -32600, message: expect.stringContaining('already used') } })
    expect(answers[1]).toMatchObject({ result: { content: [{ text: 'first: slow call 1' }] } })
    proxy.child.stdin.end()
    await proxy.exited
  })
})

describe('big answers from a stdio upstream', () => {
  it('arrive whole when over the client message limit (4 MB) and under maxUpstreamMessageBytes (64 MB)', async () => {
    const proxy = await connectThroughProxy()
    const big = await proxy.call('big_text', { bytes: 5_000_000 })
    expect(big.text.length).toBeGreaterThan(4_999_000)
    await proxy.close()
  })

  it('over maxUpstreamMessageBytes: the waiting caller gets an error at once, and the session goes on', async () => {
    const proxy = await connectThroughProxy({ config: { maxUpstreamMessageBytes: 1_000_000 } })
    // The upstream timeout is 5 minutes and the test's 20 s: this error is the limit's, not a timeout.
    const failed = await proxy.client.callTool({ name: 'big_text', arguments: { bytes: 2_000_000 } }).catch((error: unknown) => error as Error)
    expect(String((failed as Error).message)).toContain('maxUpstreamMessageBytes')
    expect(await proxy.call('lookup_code', { code: 'after' })).toMatchObject({ text: 'after: call 1' })
    await proxy.close()
  })

  it('over maxUpstreamMessageBytes from an HTTP upstream: the same, through serve', async () => {
    const upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--config', writeConfig({ maxUpstreamMessageBytes: 1_000_000 })])
    try {
      const client = new Client({ name: 'big-http', version: '1.0.0' }, { capabilities: {} })
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)))
      const failed = await client.callTool({ name: 'big_text', arguments: { bytes: 2_000_000 } }).catch((error: unknown) => error as Error)
      expect(String((failed as Error).message)).toContain('maxUpstreamMessageBytes')
      const fits = await client.callTool({ name: 'big_text', arguments: { bytes: 900_000 } })
      expect((fits.content as Array<{ text: string }>)[0]?.text.length).toBeGreaterThan(899_000)
      await client.close()
    } finally {
      await gateway.stop()
      await upstream.stop()
    }
  })
})

describe('the last-resort guard of proxy and serve', () => {
  it('logs an error that escaped every handler, without its secrets, and the process goes on', async () => {
    const script = `
      import { keepServingOnStrayErrors } from ${JSON.stringify(join(ROOT, 'dist', 'cli', 'last-resort.js'))}
      import { createDefaultLogger } from ${JSON.stringify(join(ROOT, 'dist', 'log', 'logger.js'))}
      import { redactSecrets } from ${JSON.stringify(join(ROOT, 'dist', 'log', 'redact.js'))}
      keepServingOnStrayErrors(createDefaultLogger('warn'), redactSecrets)
      setTimeout(() => { throw new Error('stray: redis://u:hunter2@h') })
      setTimeout(() => void Promise.reject(new Error('stray rejection token=hunter2')), 5)
      setTimeout(() => console.log('still serving'), 50)
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect(code).toBe(0)
    expect(out).toContain('still serving')
    expect(out).toContain('uncaughtException')
    expect(out).toContain('unhandledRejection')
    expect(out).not.toContain('hunter2')
  })
})

