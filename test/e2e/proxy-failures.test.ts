/** Bad input and failing parts around `mcp-cache proxy`: errors, never crashes or lost calls. */
import { describe, expect, it } from 'vitest'
import { findFreePort } from '../helpers/redis-server.js'
import { COUNTING_SERVER, connectThroughProxy, writeConfig } from '../helpers/proxy-client.js'
import { initializeLine, spawnRawProxy } from '../helpers/raw-proxy.js'

describe('proxy given bad input', () => {
  it('answers malformed JSON, invalid requests and oversized lines with JSON-RPC errors, and keeps serving', async () => {
    const proxy = spawnRawProxy(['--config', writeConfig({ maxMessageBytes: 2000 }), '--', process.execPath, COUNTING_SERVER])
    proxy.write('{ this is not json')
    expect(await proxy.next(null)).toMatchObject({ error: { code: -32700 } })
    proxy.write(JSON.stringify({ jsonrpc: '1.0', id: 7, method: 'ping' }))
    expect(await proxy.next(7)).toMatchObject({ error: { code: -32600, message: expect.stringContaining("jsonrpc must be '2.0'") } })
    proxy.write(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'x', arguments: { blob: 'y'.repeat(5000) } } }))
    expect(await proxy.next(8)).toMatchObject({ error: { code: -32600, message: expect.stringContaining('maxMessageBytes') } })
    proxy.write(initializeLine(1))
    expect(await proxy.next(1)).toMatchObject({ result: { serverInfo: { name: 'counting-server' } } })
    proxy.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))
    proxy.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'no/such/method', params: {} }))
    expect(await proxy.next(2)).toMatchObject({ error: { code: -32601 } })
    proxy.child.stdin.end()
    expect(await proxy.exited).toBe(0)
  })
})

describe('proxy when a part fails', () => {
  it('answers pending calls with an error naming the upstream when it dies, then exits', async () => {
    const crashing = `process.stdin.once('data', () => process.exit(3))`
    const proxy = spawnRawProxy(['--', process.execPath, '-e', crashing])
    proxy.write(initializeLine(1))
    const answer = await proxy.next(1)
    expect(answer['error']).toMatchObject({ code: -32000, message: expect.stringMatching(/upstream stdio:.* exited with code 3/) })
    expect(await proxy.exited).toBe(1)
  })

  it('sends calls upstream when the Redis store is unreachable, failing none', async () => {
    const port = await findFreePort()
    const proxy = await connectThroughProxy({ extraArgs: ['--store', 'redis', '--redis-url', `redis://127.0.0.1:${port}`], env: { CACHE_OPERATION_TIMEOUT: '100ms' } })
    const first = await proxy.call('lookup_code', { code: 'A00' })
    const second = await proxy.call('lookup_code', { code: 'A00' })
    // Without the store, nothing says which entries are current: the cache is neither read nor written.
    expect(first).toMatchObject({ text: 'A00: call 1', status: 'bypass' })
    expect(second).toMatchObject({ text: 'A00: call 2', status: 'bypass' })
    await proxy.close()
  })

  it('leaves results untouched when statusMeta is off', async () => {
    const proxy = await connectThroughProxy({ config: { statusMeta: false } })
    const result = await proxy.client.callTool({ name: 'lookup_code', arguments: { code: 'Q' } })
    expect(result._meta?.['mcp-cache/status']).toBeUndefined()
    expect(result.content).toStrictEqual([{ type: 'text', text: 'Q: call 1' }])
    await proxy.close()
  })

  it('writes an audit line per tool call with hashed principal and key, never arguments', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const log = join(mkdtempSync(join(tmpdir(), 'mcp-cache-audit-')), 'audit.jsonl')
    const proxy = await connectThroughProxy({ principal: '10000000219', extraArgs: ['--audit-log', log] })
    await proxy.call('lookup_code', { code: 'SECRET-DFN-100841' })
    await proxy.call('lookup_code', { code: 'SECRET-DFN-100841' })
    await proxy.call('send_email', { to: 'a@example.org' })
    await proxy.close()
    await new Promise((resolve) => setTimeout(resolve, 200))
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.map((line) => [line['tool'], line['status']])).toStrictEqual([
      ['lookup_code', 'miss'],
      ['lookup_code', 'hit'],
      ['send_email', 'bypass'],
    ])
    expect(lines[0]?.['principal']).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(lines[0]?.['keyHash']).toBe(lines[1]?.['keyHash'])
    const text = readFileSync(log, 'utf8')
    expect(text).not.toMatch(/10000000219|SECRET-DFN|example\.org/)
  })

  it('refuses a config file with a wrong field, naming it', async () => {
    const proxy = spawnRawProxy(['--config', writeConfig({ tools: { x: { tll: '1m' } } }), '--', process.execPath, COUNTING_SERVER])
    expect(await proxy.exited).toBe(1)
    expect(proxy.stderr()).toContain("tools.x: unknown field(s) 'tll'")
  })
})
