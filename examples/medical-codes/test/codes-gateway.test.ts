/**
 * The server behind `mcp-cache serve` with this folder's gateway.yaml, as the
 * demo runs it: a repeated lookup is answered by the gateway (status `hit`,
 * the server's origin untouched), and `origin_stats` is never cached there.
 */
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnWithUrl, type UrlProcess } from '../../../test/helpers/serve-process.js'
import { SERVER_ENTRY } from './codes-client.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const GATEWAY_CONFIG = join(ROOT, 'examples', 'medical-codes', 'gateway.yaml')

describe('medical-codes behind mcp-cache serve', () => {
  let gateway: UrlProcess
  let client: Client

  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await client.callTool({ name, arguments: args })
    return { structured: result.structuredContent as Record<string, unknown>, status: result._meta?.['mcp-cache/status'] }
  }

  beforeAll(async () => {
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--config', GATEWAY_CONFIG, '--', process.execPath, SERVER_ENTRY], {
      CACHE_BACKEND: 'memory',
      CODES_LATENCY_MS: '5',
      LOG_LEVEL: 'error',
    })
    client = new Client({ name: 'medical-codes-gateway-test', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: 'legacy' } })
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)))
  })
  afterAll(async () => {
    await client?.close()
    await gateway?.stop()
  })

  it('answers a repeated lookup at the gateway and never caches origin_stats', async () => {
    const first = await call('lookup_icd10', { code: 'J06.9' })
    expect(first.status).toBe('miss')
    expect(first.structured).toMatchObject({ cache: 'miss', key: 'icd10:J06.9' })
    const second = await call('lookup_icd10', { code: 'J06.9' })
    expect(second.status).toBe('hit')
    expect(second.structured).toEqual(first.structured)

    const stats = await call('origin_stats')
    expect(stats.status).not.toBe('hit')
    expect((stats.structured['origin'] as { byKind: Record<string, number> }).byKind['icd10']).toBe(1)
    await call('lookup_cpt', { code: '99213' })
    const after = await call('origin_stats')
    expect(after.status).not.toBe('hit')
    expect((after.structured['origin'] as { byKind: Record<string, number> }).byKind['cpt']).toBe(1)
  })
})
