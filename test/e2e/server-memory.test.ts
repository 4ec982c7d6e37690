/**
 * In front of @modelcontextprotocol/server-memory (a knowledge graph with
 * read-only and write tools): reads are cached, writes are not, and a write
 * drops the reads its rule names.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, connectThroughProxy, type ProxyClient } from '../helpers/proxy-client.js'

const MEMORY = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js')
const writes = ['read_graph', 'search_nodes', 'open_nodes']

describe('proxy in front of server-memory', () => {
  let proxy: ProxyClient
  beforeAll(async () => {
    proxy = await connectThroughProxy({
      server: [process.execPath, MEMORY],
      env: { MEMORY_FILE_PATH: join(mkdtempSync(join(tmpdir(), 'mcp-memory-')), 'memory.jsonl') },
      config: { tools: { create_entities: { invalidates: writes }, add_observations: { invalidates: writes } } },
    })
  })
  afterAll(async () => {
    await proxy.close()
  })

  it('caches read_graph, never the writes, and drops the cached graph after a write', async () => {
    expect((await proxy.call('read_graph')).status).toBe('miss')
    expect((await proxy.call('read_graph')).status).toBe('hit')
    const created = await proxy.call('create_entities', { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] })
    expect(created.status).toBe('bypass')
    const after = await proxy.call('read_graph')
    expect(after.status).toBe('miss')
    expect(after.text).toContain('Ada')
    const search = await proxy.call('search_nodes', { query: 'Ada' })
    expect(search).toMatchObject({ status: 'miss' })
    expect((await proxy.call('search_nodes', { query: 'Ada' })).status).toBe('hit')
    await proxy.call('add_observations', { observations: [{ entityName: 'Ada', contents: ['born 1815'] }] })
    const updated = await proxy.call('search_nodes', { query: 'Ada' })
    expect(updated.status).toBe('miss')
    expect(updated.text).toContain('born 1815')
  })
})
