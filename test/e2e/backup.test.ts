/**
 * A gateway's Redis through the maintenance commands: export and import hold
 * every entry (namespaced, user-scoped, generations, tag sets), the cache
 * answers from the restored copy as before, invalidation by tool and by tag
 * still works, and `keys`/`invalidate` find a tool's and a principal's entries.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { callTool } from '../helpers/read-your-writes.js'
import { sendCommand, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'
import { Client as SdkClient, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'

const TOKEN = 'backup-admin-token'

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI with only REDIS_URL set (no CACHE_BACKEND): a maintenance command then works on that Redis. */
function cli(redisUrl: string, ...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: 'error' }
  delete env['CACHE_BACKEND']
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

async function connectAs(url: string, user: string): Promise<Client> {
  const client = new SdkClient({ name: 'backup-test', version: '1.0.0' }, { capabilities: {} })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-user': user } } }))
  return client
}

describe('export, import, keys and invalidate on a gateway\u2019s Redis', () => {
  let redis: RedisServerHandle
  let upstream: UrlProcess
  let gateway: UrlProcess
  let alice: Client
  let bob: Client
  const dir = mkdtempSync(join(tmpdir(), 'mcp-cache-backup-'))
  beforeAll(async () => {
    redis = await startRedisServer()
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--admin-port', '0', '--store', 'redis', '--redis-url', redis.url, '--upstream', upstream.url, '--principal-header', 'x-user'], { MCP_CACHE_ADMIN_TOKEN: TOKEN })
    alice = await connectAs(gateway.url, 'alice')
    bob = await connectAs(gateway.url, 'bob')
  })
  afterAll(async () => {
    await alice?.close()
    await bob?.close()
    await gateway?.stop()
    await upstream?.stop()
    await redis?.stop()
  })

  it('round-trips every key exactly: answers, tool and tag invalidation work on the restored copy', async () => {
    // A tagged library entry beside the gateway's (user-scoped results, lists, generations).
    const library = createCache({ store: 'redis', redis: { url: redis.url }, logger: false })
    await library.set('formulary:metformin', { tier: 1 }, { ttl: '1h', tags: ['formulary'] })
    await library.incr('usage:lookups', 41)
    await library.close()
    const first = await callTool(alice, 'lookup_code', { code: 'B1' })
    expect(first.status).toBe('miss')
    expect(await callTool(alice, 'lookup_code', { code: 'B1' })).toStrictEqual({ ...first, status: 'hit' })
    await callTool(bob, 'get_record', { id: 'r1' })
    const before = (await sendCommand(redis.url, 'DBSIZE')).trim()

    const file = join(dir, 'backup.jsonl')
    const exported = await cli(redis.url, 'export', '--out', file, '--json')
    expect(exported.code, exported.stderr).toBe(0)
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => JSON.parse(line) as { key: string; ttlMs: number })
    expect(lines.length).toBe(Number(before.replace(/\D/g, '')))
    const keys = lines.map((line) => line.key)
    expect(keys.some((key) => key.startsWith('~n.up.') && key.includes('~u.h.alice:call:lookup_code:')), `alice's result in ${keys.join(' ')}`).toBe(true)
    expect(keys.some((key) => key.includes('~gen:')), `generations in ${keys.join(' ')}`).toBe(true)
    expect(keys.some((key) => key.startsWith('~tag:')), `tag sets in ${keys.join(' ')}`).toBe(true)

    // Over live keys only when asked: their tag sets and generations would be replaced.
    const refused = await cli(redis.url, 'import', '--in', file)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("the prefix 'mcp' already holds keys")
    await sendCommand(redis.url, 'FLUSHALL')
    const imported = await cli(redis.url, 'import', '--in', file, '--json')
    expect(imported.code, imported.stderr).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: lines.length })
    expect((await sendCommand(redis.url, 'DBSIZE')).trim()).toBe(before)
    // Every key back with its TTL (a TTL may only have run down meanwhile).
    for (const line of lines.filter((entry) => entry.ttlMs > 0)) {
      const ttl = Number((await sendCommand(redis.url, 'PTTL', `mcp:${line.key}`)).replace(/[^\d-]/g, ''))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(line.ttlMs)
    }

    const counter = createCache({ store: 'redis', redis: { url: redis.url }, logger: false })
    expect(await counter.incr('usage:lookups')).toBe(42)
    await counter.close()
    // The restored copy answers, and invalidation by tool (the admin API) and by tag still reaches it.
    expect(await callTool(alice, 'lookup_code', { code: 'B1' })).toStrictEqual({ ...first, status: 'hit' })
    const dropped = await fetch(`${gateway.adminUrl}/cache/invalidate`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tools: ['lookup_code'], tags: ['formulary'] }) })
    expect(await dropped.json()).toMatchObject({ deleted: 1, tools: ['lookup_code'] })
    expect((await callTool(alice, 'lookup_code', { code: 'B1' })).status).toBe('miss')
  })

  it('finds a tool\u2019s and a principal\u2019s entries, which a glob over logical keys does not reach, and invalidates them', async () => {
    await callTool(alice, 'lookup_code', { code: 'K1' })
    await callTool(alice, 'get_record', { id: 'r1' })
    await callTool(bob, 'lookup_code', { code: 'K1' })
    expect((await cli(redis.url, 'keys', 'call:*')).stdout).toContain('0 key(s)')
    const byTool = JSON.parse((await cli(redis.url, 'keys', '--tool', 'lookup_code', '--json')).stdout) as { keys: Array<{ key: string }> }
    expect(byTool.keys.length).toBeGreaterThanOrEqual(2)
    expect(byTool.keys.every((entry) => entry.key.includes(':call:lookup_code:'))).toBe(true)
    const byAlice = JSON.parse((await cli(redis.url, 'keys', '--principal', 'h.alice', '--json')).stdout) as { keys: Array<{ key: string }> }
    expect(byAlice.keys.some((entry) => entry.key.includes('call:get_record:'))).toBe(true)
    expect(byAlice.keys.every((entry) => entry.key.includes('~u.h.alice:'))).toBe(true)

    // A principal whose name ends like a tool's category is not a tool: `--tool call` finds nothing.
    const mccall = await connectAs(gateway.url, 'mccall')
    await callTool(mccall, 'get_record', { id: 'r1' })
    await mccall.close()
    expect((JSON.parse((await cli(redis.url, 'keys', '--tool', 'call', '--json')).stdout) as { keys: unknown[] }).keys).toStrictEqual([])
    const invalidated = await cli(redis.url, 'invalidate', '--tool', 'lookup_code', '--principal', 'h.alice', '--json')
    expect(invalidated.code, invalidated.stderr).toBe(0)
    expect(JSON.parse(invalidated.stdout).deleted).toBeGreaterThanOrEqual(1)
    expect((await callTool(alice, 'lookup_code', { code: 'K1' })).status).toBe('miss')
    expect((await callTool(bob, 'lookup_code', { code: 'K1' })).status).toBe('hit')
    expect((await cli(redis.url, 'invalidate', '--tool', 'lookup_code')).code).toBe(0)
    expect((await callTool(bob, 'lookup_code', { code: 'K1' })).status).toBe('miss')
  })

  it('fails with one line naming the file or the store, and leaves no partial file', async () => {
    const unwritable = await cli(redis.url, 'export', '--out', '/nonexistent/dir/x.jsonl')
    expect(unwritable.code).toBe(1)
    expect(unwritable.stderr.trim()).toBe('mcp-cache: cannot write /nonexistent/dir/x.jsonl: directory /nonexistent/dir does not exist')
    const missing = await cli(redis.url, 'import', '--in', join(dir, 'missing.jsonl'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`cannot read ${join(dir, 'missing.jsonl')}: no such file`)
    const out = join(dir, 'never.jsonl')
    const unreachable = await cli('redis://127.0.0.1:1', 'export', '--out', out)
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain('the redis store at redis://127.0.0.1:1/0 did not answer')
    expect(existsSync(out)).toBe(false)
    // A bad line anywhere: nothing written, the line named.
    const [header, first] = readFileSync(join(dir, 'backup.jsonl'), 'utf8').split('\n')
    const entry = JSON.parse(first as string) as { key: string; ttlMs: number; dump: string }
    const broken = join(dir, 'broken.jsonl')
    writeFileSync(broken, [header, JSON.stringify({ ...entry, key: 'restored:first' }), '{"key":"x"}', ''].join('\n'))
    const partial = await cli(redis.url, 'import', '--in', broken)
    expect(partial.code).toBe(1)
    expect(partial.stderr).toContain(`${broken} line 3: expected {"key","ttlMs","dump"}; nothing was imported`)
    expect((await sendCommand(redis.url, 'EXISTS', 'mcp:restored:first')).trim()).toBe(':0')
    // A payload Redis refuses stops the import at its line, saying what was written before it.
    const corrupt = join(dir, 'corrupt.jsonl')
    writeFileSync(corrupt, [header, JSON.stringify({ key: 'restored:bad', ttlMs: 60_000, dump: Buffer.from('not a dump').toString('base64') }), ''].join('\n'))
    const refused = await cli(redis.url, 'import', '--in', corrupt, '--replace')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(new RegExp(`${corrupt} line 2: Redis refused the entry \\(.+\\); the 0 entries before it were imported`))
  })

  it('refuses the memory store, where it would see an empty cache of its own, and takes --redis-url alone', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error' }
    for (const name of ['CACHE_BACKEND', 'REDIS_URL', 'MCP_CACHE_CONFIG']) delete env[name]
    const run = (...args: string[]) =>
      new Promise<Run>((resolve) => execFile(process.execPath, [CLI, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : 1, stdout, stderr })))
    for (const args of [['keys'], ['invalidate', '--tool', 'lookup_code'], ['export', '--out', join(dir, 'memory.jsonl')]]) {
      const refused = await run(...args)
      expect(refused.code, args.join(' ')).toBe(1)
      expect(refused.stderr).toContain('no shared store named: the memory store lives inside each process')
    }
    const listed = await run('keys', '--tool', 'lookup_code', '--redis-url', redis.url, '--json')
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as { keys: unknown[] }).keys.length).toBeGreaterThan(0)
  })

  it('takes the store from --config (a gateway config\u2019s cache section), with nothing in the environment', async () => {
    const config = join(dir, 'gateway.yaml')
    writeFileSync(config, `tools:\n  lookup_code: { ttl: 1m }\ncache:\n  store: redis\n  redis: { url: '${redis.url}' }\n`)
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error' }
    for (const name of ['CACHE_BACKEND', 'REDIS_URL']) delete env[name]
    const listed = await new Promise<Run>((resolve) =>
      execFile(process.execPath, [CLI, 'keys', '--tool', 'lookup_code', '--config', config, '--json'], { env, timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : 1, stdout, stderr })),
    )
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as { keys: unknown[] }).keys.length).toBeGreaterThan(0)
  })
})
