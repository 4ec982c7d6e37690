/**
 * A new user's first try, with no config, in front of real servers from npm
 * (server-memory, server-filesystem), through `proxy` (stdio) and `serve`
 * (HTTP): reads are cached (they are marked read-only), and the read after
 * any write shows the write, round after round, because a tool that is not
 * read-only drops the upstream's cached data before its answer returns.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, ROOT, connectThroughProxy } from '../helpers/proxy-client.js'
import { callTool, connectAs } from '../helpers/read-your-writes.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const MEMORY = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js')
const FILESYSTEM = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js')
const ROUNDS = 5

/** One way in: a tool call answering text and cache status. */
interface Caller {
  call(name: string, args: Record<string, unknown>): Promise<{ text: string; status: unknown }>
  close(): Promise<void>
}

/** `mcp-cache proxy -- node <server> ...args`, no config. */
async function viaProxy(server: readonly string[], env: Record<string, string>): Promise<Caller> {
  const proxy = await connectThroughProxy({ server: [process.execPath, ...server], env })
  return { call: (name, args) => proxy.call(name, args), close: () => proxy.close() }
}

/** `mcp-cache serve -- node <server> ...args`, no config, and a client with a bearer token. */
async function viaServe(server: readonly string[], env: Record<string, string>): Promise<Caller> {
  const gateway: UrlProcess = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, ...server], env)
  const client: Client = await connectAs(gateway.url, 'token-new-user')
  return {
    call: (name, args) => callTool(client, name, args),
    close: async () => {
      await client.close()
      await gateway.stop()
    },
  }
}

/** Calls a read twice and checks the second was a hit: the cache holds it when the write comes. */
async function cached(caller: Caller, name: string, args: Record<string, unknown>): Promise<void> {
  await caller.call(name, args)
  expect((await caller.call(name, args)).status, `${name} is cached`).toBe('hit')
}

for (const [front, open] of [['proxy', viaProxy], ['serve', viaServe]] as const) {
  describe(`${front} with no config in front of server-memory`, () => {
    let caller: Caller
    beforeAll(async () => {
      caller = await open([MEMORY], { MEMORY_FILE_PATH: join(mkdtempSync(join(tmpdir(), 'mcp-memory-')), 'memory.jsonl') })
    })
    afterAll(async () => {
      await caller?.close()
    })

    it(`shows each create_entities in read_graph and each add_observations in open_nodes (${ROUNDS} rounds)`, async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const name = `Entity${round}`
        await cached(caller, 'read_graph', {})
        expect((await caller.call('create_entities', { entities: [{ name, entityType: 'test', observations: ['created'] }] })).status).toBe('bypass')
        expect((await caller.call('read_graph', {})).text, `round ${round}`).toContain(name)
        await cached(caller, 'open_nodes', { names: [name] })
        await caller.call('add_observations', { observations: [{ entityName: name, contents: [`observed in round ${round}`] }] })
        expect((await caller.call('open_nodes', { names: [name] })).text, `round ${round}`).toContain(`observed in round ${round}`)
      }
    })
  })

  describe(`${front} with no config in front of server-filesystem`, () => {
    let caller: Caller
    let dir: string
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mcp-fs-'))
      writeFileSync(join(dir, 'note.txt'), 'v0')
      caller = await open([FILESYSTEM, dir], {})
    })
    afterAll(async () => {
      await caller?.close()
    })

    it(`shows each write_file and edit_file in read_text_file, and each new file in list_directory (${ROUNDS} rounds)`, async () => {
      const note = join(dir, 'note.txt')
      for (let round = 1; round <= ROUNDS; round++) {
        await cached(caller, 'read_text_file', { path: note })
        await cached(caller, 'list_directory', { path: dir })
        await caller.call('write_file', { path: note, content: `written ${round}` })
        expect((await caller.call('read_text_file', { path: note })).text, `round ${round}`).toBe(`written ${round}`)
        await cached(caller, 'read_text_file', { path: note })
        await caller.call('edit_file', { path: note, edits: [{ oldText: `written ${round}`, newText: `edited ${round}` }] })
        expect((await caller.call('read_text_file', { path: note })).text, `round ${round}`).toBe(`edited ${round}`)
        await caller.call('write_file', { path: join(dir, `new-${round}.txt`), content: 'new' })
        expect((await caller.call('list_directory', { path: dir })).text, `round ${round}`).toContain(`new-${round}.txt`)
      }
    })
  })
}
