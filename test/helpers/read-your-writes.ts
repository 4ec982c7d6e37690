/**
 * The read-your-writes scenario, run on every store: `serve` gateways in front
 * of one HTTP counting server (one set of records for every session), a
 * user-scoped read and a write whose rule binds the record id. After a
 * write's answer, no caller reads the old record: not the writer, not another
 * user, not a client of another gateway on the same Redis.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER, writeConfig } from './proxy-client.js'
import { spawnWithUrl, type UrlProcess } from './serve-process.js'

/** The rules under test: reads are each user's own, a write drops the entries of the record it names, for everyone. */
export const RECORD_RULES = {
  tools: { get_record: { scope: 'user' }, slow_get_record: { scope: 'user' }, update_record: { invalidates: ['get_record{id}', 'slow_get_record{id}'] } },
}

/** A v2 client of a gateway, authenticated by a bearer token (its principal). */
export async function connectAs(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'read-your-writes', version: '1.0.0' }, { capabilities: {} })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  return client
}

/** A tool call's text and cache status. */
export async function callTool(client: Client, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Promise<{ text: string; status: unknown }> {
  const result = await client.callTool({ name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) })
  return { text: (result.content as Array<{ text?: string }>).map((item) => item.text ?? '').join(''), status: result._meta?.['mcp-cache/status'] }
}

/** How often each tool really ran upstream (asked with cacheMode "bypass", so always live). */
export async function countsOf(client: Client): Promise<Record<string, number>> {
  return JSON.parse((await callTool(client, 'upstream_counts', {}, { 'mcp-cache/cacheMode': 'bypass' })).text) as Record<string, number>
}

/** Where the gateways keep their entries: `serve` arguments, and how many gateways may share them. */
export interface StoreUnderTest {
  readonly name: string
  /** Started before the gateways (a Redis server); resolves to the `serve` store arguments. */
  readonly start: () => Promise<readonly string[]>
  readonly stop?: () => Promise<void>
  /** 2 where the store is shared (Redis), 1 where each process has its own (memory). */
  readonly gateways: 1 | 2
  readonly env?: Record<string, string>
}

const ROUNDS = 10

/** Registers the scenario's tests for one store. */
export function describeReadYourWrites(store: StoreUnderTest): void {
  describe(`read-your-writes through serve on ${store.name}`, () => {
    let upstream: UrlProcess
    let gateways: UrlProcess[] = []
    const clients: Client[] = []
    const connect = async (gateway: number, token: string) => {
      const client = await connectAs(gateways[gateway]?.url ?? '', token)
      clients.push(client)
      return client
    }
    beforeAll(async () => {
      upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
      const storeArgs = await store.start()
      const args = [CLI, 'serve', '--port', '0', '--config', writeConfig(RECORD_RULES), '--upstream', upstream.url, ...storeArgs]
      // One secret, so one caller's credentials are one principal on every gateway.
      gateways = await Promise.all(Array.from({ length: store.gateways }, () => spawnWithUrl(args, { MCP_CACHE_SECRET: 'ryw-secret', ...store.env })))
    })
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()))
      await Promise.all(gateways.map((gateway) => gateway.stop()))
      await upstream?.stop()
      await store.stop?.()
    })

    it(`shows every write at once to the writer and to another user who held a cached copy (${ROUNDS} rounds)`, async () => {
      const alice = await connect(0, 'token-alice')
      const bob = await connect(0, 'token-bob')
      for (let round = 1; round <= ROUNDS; round++) {
        for (const reader of [alice, bob]) {
          await callTool(reader, 'get_record', { id: 'r7' })
          expect((await callTool(reader, 'get_record', { id: 'r7' })).status, `round ${round}`).toBe('hit')
        }
        await callTool(alice, 'update_record', { id: 'r7', text: `v${round}` })
        for (const reader of [alice, bob]) {
          const read = await callTool(reader, 'get_record', { id: 'r7' })
          expect(read.text, `round ${round}`).toMatch(new RegExp(`^v${round} `))
          expect(read.status).toBe('miss')
        }
      }
    })

    it('keeps the entries of a record the write did not name: a write to r7 leaves r8 a hit', async () => {
      const alice = await connect(0, 'token-alice')
      expect((await callTool(alice, 'get_record', { id: 'r8' })).status).toBe('miss')
      expect((await callTool(alice, 'get_record', { id: 'r8' })).status).toBe('hit')
      await callTool(alice, 'update_record', { id: 'r7', text: 'elsewhere' })
      expect(await callTool(alice, 'get_record', { id: 'r7' })).toMatchObject({ status: 'miss', text: expect.stringMatching(/^elsewhere /) })
      expect((await callTool(alice, 'get_record', { id: 'r8' })).status).toBe('hit')
      await callTool(alice, 'update_record', { id: 'r8', text: 'renamed' })
      expect((await callTool(alice, 'get_record', { id: 'r8' })).text).toMatch(/^renamed /)
    })

    it('never serves the answer of a read that started before a write and was stored after it', async () => {
      const reader = await connect(store.gateways - 1, 'token-alice')
      const writer = await connect(0, 'token-alice')
      const upstreamStarts = async () => (await countsOf(writer))['slow_get_record_started'] ?? 0
      const startsBefore = await upstreamStarts()
      const slow = callTool(reader, 'slow_get_record', { id: 'r6' })
      const deadline = Date.now() + 5000
      while ((await upstreamStarts()) === startsBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      await callTool(writer, 'update_record', { id: 'r6', text: 'written during the read' })
      // The slow read saw the record before the write; its answer is stored under the old generation.
      expect((await slow).text).toMatch(/^none /)
      expect((await callTool(reader, 'slow_get_record', { id: 'r6' })).text).toMatch(/^written during the read /)
    })

    it('drops every cached result after a write with no rule (the default), for every user and gateway', async () => {
      const reader = await connect(store.gateways - 1, 'token-bob')
      const writer = await connect(0, 'token-alice')
      await callTool(reader, 'lookup_code', { code: 'D1' })
      expect((await callTool(reader, 'lookup_code', { code: 'D1' })).status).toBe('hit')
      expect((await callTool(writer, 'touch_notes', {})).status).toBe('bypass')
      expect((await callTool(reader, 'lookup_code', { code: 'D1' })).status).toBe('miss')
    })

    if (store.gateways === 2) {
      it(`shows a write through one gateway at once through the other (${ROUNDS} rounds)`, async () => {
        const writer = await connect(0, 'token-alice')
        const sameUser = await connect(1, 'token-alice')
        const otherUser = await connect(1, 'token-bob')
        for (let round = 1; round <= ROUNDS; round++) {
          for (const reader of [sameUser, otherUser]) {
            await callTool(reader, 'get_record', { id: 'r9' })
            expect((await callTool(reader, 'get_record', { id: 'r9' })).status, `round ${round}`).toBe('hit')
          }
          await callTool(writer, 'update_record', { id: 'r9', text: `w${round}` })
          for (const reader of [sameUser, otherUser]) expect((await callTool(reader, 'get_record', { id: 'r9' })).text, `round ${round}`).toMatch(new RegExp(`^w${round} `))
        }
      })
    }
  })
}
