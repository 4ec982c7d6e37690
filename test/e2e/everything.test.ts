/**
 * In front of a real published server built on SDK 1.x: @modelcontextprotocol/server-everything
 * over stdio, with the official v2 client, including server-to-client sampling.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, connectThroughProxy, type ProxyClient } from '../helpers/proxy-client.js'

const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js')

describe('proxy in front of server-everything (SDK 1.x)', () => {
  let proxy: ProxyClient
  beforeAll(async () => {
    proxy = await connectThroughProxy({
      server: [process.execPath, EVERYTHING, 'stdio'],
      config: { tools: { 'trigger-long-running-operation': { cache: false } } },
      capabilities: { sampling: {}, elicitation: { form: {} } },
      setup: (client) => {
        client.setRequestHandler('sampling/createMessage', async () => ({
          model: 'test-model',
          role: 'assistant',
          content: { type: 'text', text: 'sampled through the gateway' },
        }))
        client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }))
      },
    })
  })
  afterAll(async () => {
    await proxy.close()
  })

  it('lists its tools through the gateway', async () => {
    const { tools } = await proxy.client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']))
  })

  it('caches a read-only tool (echo) and bypasses one a rule disables', async () => {
    expect(await proxy.call('echo', { message: 'hello' })).toMatchObject({ text: 'Echo: hello', status: 'miss' })
    expect(await proxy.call('echo', { message: 'hello' })).toMatchObject({ text: 'Echo: hello', status: 'hit' })
    expect(await proxy.call('get-sum', { a: 2, b: 3 })).toMatchObject({ status: 'miss' })
    const progress: number[] = []
    const result = await proxy.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      { onprogress: (event) => progress.push(event.progress) },
    )
    expect(result._meta?.['mcp-cache/status']).toBe('bypass')
    expect(progress.length).toBeGreaterThanOrEqual(2)
  })

  it('routes server-to-client requests (sampling, elicitation) to the client and back', async () => {
    const sampled = await proxy.call('trigger-sampling-request', { prompt: 'hello', maxTokens: 10 })
    expect(sampled.text).toContain('sampled through the gateway')
    expect(sampled.status).toBe('bypass')
    const elicited = await proxy.call('trigger-elicitation-request', {})
    expect(elicited.text).toContain('Ada')
  })

  it('passes an unknown tool error back as the server sent it', async () => {
    const result = await proxy.client.callTool({ name: 'no-such-tool', arguments: {} }).catch((error: unknown) => error)
    expect(JSON.stringify(result instanceof Error ? result.message : result)).toMatch(/no-such-tool|not found|Unknown tool/i)
  })
})
