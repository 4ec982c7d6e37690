/** The operations CLI against a real Redis: output, --json and exit codes. */
import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { CLI, COUNTING_SERVER, ROOT } from '../helpers/proxy-client.js'
import { spawnWithUrl } from '../helpers/serve-process.js'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

describe('mcp-cache CLI', () => {
  let redis: RedisServerHandle
  let env: Record<string, string>
  beforeAll(async () => {
    redis = await startRedisServer()
    env = { CACHE_BACKEND: 'redis', REDIS_URL: redis.url, CACHE_PREFIX: 'clitest' }
    const cache = createCache({ store: 'redis', prefix: 'clitest', redis: { url: redis.url }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
    await cache.set('experiment:exp_123', { variant: 'B' }, { ttl: '24h' })
    await cache.set('experiment:exp_123:assignments', [1, 2], { ttl: '1h' })
    await cache.set('experiment:exp_456', { variant: 'A' }, { tags: ['exp:exp_456'] })
    await cache.set('user:u1:profile', { name: 'Ada' })
    await cache.close()
  })
  afterAll(async () => {
    await redis.stop()
  })

  it('doctor passes against a reachable Redis and warns about AOF and maxmemory', async () => {
    const run = await cli(['doctor'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/PASS\s+connectivity/)
    expect(run.stdout).toMatch(/PASS\s+patient record round trip/)
    expect(run.stdout).toMatch(/WARN\s+persistence\s+AOF off/)
    expect(run.stdout).toMatch(/WARN\s+maxmemory\s+no maxmemory/)
    const json = JSON.parse((await cli(['doctor', '--json'], env)).stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> }
    expect(json.ok).toBe(true)
    expect(json.checks.map((check) => check.name)).toEqual(expect.arrayContaining(['config', 'connectivity', 'set/get/delete', 'TLS']))
  })

  it("names a seed variable it does not use in a warning at start, saying what to do instead", async () => {
    const run = await cli(['doctor'], { ...env, REDIS_POOL_SIZE: '10', LOG_LEVEL: 'warn' })
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(/REDIS_POOL_SIZE is set but not used: mcp-cache pipelines every command/)
    expect(run.stderr.match(/REDIS_POOL_SIZE/g)).toHaveLength(1)
    expect(run.stdout).toMatch(/WARN\s+environment\s+REDIS_POOL_SIZE is set but not used/)
  })

  it('doctor fails (exit 1) when Redis is unreachable, and wait times out with exit 1', async () => {
    const closed = { ...env, REDIS_URL: `redis://127.0.0.1:${await findFreePort()}` }
    const doctor = await cli(['doctor', '--timeout', '300ms'], closed)
    expect(doctor.code).toBe(1)
    expect(doctor.stdout).toMatch(/FAIL\s+connectivity/)
    const wait = await cli(['wait', '--timeout', '300ms'], closed)
    expect(wait.code).toBe(1)
    expect(wait.stdout).toMatch(/did not answer within 300ms/)
    expect((await cli(['wait', '--timeout', '5s'], env)).code).toBe(0)
  })

  it('keys lists the namespace with TTLs, never values', async () => {
    const run = await cli(['keys', 'experiment:*'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/experiment:exp_123\s+ttl (23\.\d+h|24h)/)
    expect(run.stdout).toContain('3 key(s)')
    expect(run.stdout).not.toContain('variant')
    const json = JSON.parse((await cli(['keys', 'user:*', '--json'], env)).stdout) as { keys: Array<{ key: string }> }
    expect(json.keys.map((entry) => entry.key)).toStrictEqual(['user:u1:profile'])
  })

  it('invalidate deletes by tag, key and pattern, and refuses to guess', async () => {
    expect((await cli(['invalidate', '--tag', 'exp:exp_456'], env)).stdout).toContain('deleted 1 entry')
    expect((await cli(['invalidate', '--key', 'user:u1:profile'], env)).stdout).toContain('deleted 1 entry')
    const pattern = JSON.parse((await cli(['invalidate', '--pattern', 'experiment:exp_123*', '--json'], env)).stdout) as { deleted: number }
    expect(pattern.deleted).toBe(2)
    const none = await cli(['invalidate'], env)
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/say what to invalidate/)
  })

  it("stats shows Redis's own counters without a gateway", async () => {
    const run = await cli(['stats', '--json'], env)
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ memory: { policy: 'noeviction' }, keyspace: { hits: expect.any(Number) } })
  })

  it('warm writes value lines with their TTLs, and tool lines need a gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-cache-warm-'))
    const file = join(dir, 'hot-codes.jsonl')
    writeFileSync(file, ['{"key":"hot:codes:team-1","value":["99213","99214"],"ttl":"2h"}', '{"key":"cpt:99213","value":{"code":"99213"}}', ''].join('\n'))
    const run = await cli(['warm', '--from', file, '--json'], env)
    expect(JSON.parse(run.stdout)).toStrictEqual({ written: 2, called: 0, failed: [] })
    const cache = createCache({ store: 'redis', prefix: 'clitest', redis: { url: redis.url }, logger: false })
    expect(await cache.get('hot:codes:team-1')).toStrictEqual(['99213', '99214'])
    await cache.close()
    writeFileSync(file, '{"tool":"lookup_code","arguments":{"code":"A"}}\n')
    const tools = await cli(['warm', '--from', file], env)
    expect(tools.code).toBe(1)
    expect(tools.stderr).toMatch(/add --gateway/)
    writeFileSync(file, '{"key":"x"\n')
    expect((await cli(['warm', '--from', file], env)).stderr).toMatch(/line 1 is not JSON/)
    // A bare number is no duration: it would be milliseconds here and seconds in the environment.
    writeFileSync(file, '{"key":"a","value":1,"ttl":"1h"}\n{"key":"b","value":2,"ttl":600}\n')
    const bare = await cli(['warm', '--from', file], env)
    expect(bare.code).toBe(1)
    expect(bare.stderr).toContain('line 2: "ttl": 600 has no unit; write "600s" or "600ms"')
    writeFileSync(file, '{"key":"a","value":1,"ttl":"10 minutes"}\n')
    expect((await cli(['warm', '--from', file], env)).stderr).toMatch(/line 1: ttl must be a duration like/)
    expect((await cli(['warm', '--from', join(dir, 'missing.jsonl')], env)).stderr).toContain(`cannot read ${join(dir, 'missing.jsonl')}: no such file`)
  })

  it('warm through a gateway exits 1 naming each failed line, and names an unreachable gateway with the reason', async () => {
    const upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url])
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'mcp-cache-warm-')), 'tools.jsonl')
      writeFileSync(file, ['{"tool":"lookup_code","arguments":{"code":"W1"}}', '{"tool":"no_such_tool","arguments":{}}', '{"tool":"fail_write","arguments":{}}', ''].join('\n'))
      const run = await cli(['warm', '--from', file, '--gateway', gateway.url], env)
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('1 tool calls; 2 line(s) failed:')
      expect(run.stdout).toMatch(/line 2: no_such_tool/)
      expect(run.stdout).toMatch(/line 3: fail_write answered with an error/)
      const port = await findFreePort()
      const closed = await cli(['warm', '--from', file, '--gateway', `http://127.0.0.1:${port}/mcp`], env)
      expect(closed.code).toBe(1)
      expect(closed.stderr).toContain(`cannot reach the gateway at http://127.0.0.1:${port}/mcp: ECONNREFUSED`)
      const stats = await cli(['stats', '--admin-url', `http://127.0.0.1:${port}`], env)
      expect(stats.code).toBe(1)
      expect(stats.stderr).toContain(`cannot reach the admin API at http://127.0.0.1:${port}: ECONNREFUSED`)
    } finally {
      await gateway.stop()
      await upstream.stop()
    }
  })

  it('export and import move entries between Redis servers with their TTLs', async () => {
    const target = await startRedisServer()
    try {
      const source = createCache({ store: 'redis', prefix: 'move', redis: { url: redis.url }, logger: false })
      await source.set('patient:v1:500:1', { name: 'PATIENT,ONE', dob: new Date('1950-01-01') }, { ttl: '1h' })
      await source.set('patient:v1:500:2', { name: 'PATIENT,TWO' }, { ttl: '10m' })
      await source.set('icd10:Z00.00', 'General adult medical examination', { ttl: '1h' })
      await source.close()
      const file = join(mkdtempSync(join(tmpdir(), 'mcp-cache-export-')), 'backup.jsonl')
      const exported = await cli(['export', '--out', file, '--pattern', 'patient:*', '--json'], { ...env, CACHE_PREFIX: 'move' })
      expect(JSON.parse(exported.stdout)).toMatchObject({ exported: 2 })
      expect(readFileSync(file, 'utf8')).not.toContain('PATIENT,ONE') // DUMP payloads, base64
      const imported = await cli(['import', '--in', file, '--json'], { ...env, CACHE_PREFIX: 'move', REDIS_URL: target.url })
      expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 2 })
      const moved = createCache({ store: 'redis', prefix: 'move', redis: { url: target.url }, logger: false })
      expect(await moved.get('patient:v1:500:1')).toStrictEqual({ name: 'PATIENT,ONE', dob: new Date('1950-01-01') })
      expect(await moved.get('icd10:Z00.00')).toBeUndefined()
      const ttl = Number((await target.command('PTTL', 'move:patient:v1:500:2')).slice(1))
      expect(ttl).toBeGreaterThan(590_000)
      expect(ttl).toBeLessThanOrEqual(600_000)
      await moved.close()
      writeFileSync(file, '{"not":"an export"}\n')
      expect((await cli(['import', '--in', file], { ...env, REDIS_URL: target.url })).stderr).toMatch(/not an mcp-cache export/)
    } finally {
      await target.stop()
    }
  })

  it('every command has --help', async () => {
    for (const command of ['demo', 'proxy', 'serve', 'doctor', 'wait', 'stats', 'keys', 'invalidate', 'warm', 'export', 'import']) {
      const run = await cli([command, '--help'], env)
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`Usage: mcp-cache ${command}`)
    }
  })

  it('refuses identity settings that cannot work together, saying what to change', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'mcp-cache-cli-')), 'jwt.json')
    writeFileSync(config, JSON.stringify({ auth: { jwt: { jwksUrl: 'http://127.0.0.1:9/jwks', issuer: 'https://as.example', audience: 'https://mcp.example/mcp' } } }))
    const proxy = await cli(['proxy', '--config', config, '--', process.execPath, '-e', ''], env)
    expect(proxy.code).not.toBe(0)
    expect(proxy.stderr).toContain('auth.jwt is for `serve`')
    const serve = await cli(['serve', '--port', '0', '--config', config, '--principal-header', 'x-user', '--upstream', 'http://127.0.0.1:9/mcp'], env)
    expect(serve.code).not.toBe(0)
    expect(serve.stderr).toContain('--principal-header and JWT verification both name the caller')
    const publicUrl = await cli(['serve', '--port', '0', '--public-url', 'mcp.example.com', '--upstream', 'http://127.0.0.1:9/mcp'], env)
    expect(publicUrl.code).not.toBe(0)
    expect(publicUrl.stderr).toContain('--public-url must be the http(s) URL')
    const untrusted = await cli(['serve', '--port', '0', '--accepted-credential-ttl', '0s', '--upstream', 'http://127.0.0.1:9/mcp'], env)
    expect(untrusted.code).not.toBe(0)
    expect(untrusted.stderr).toContain('--accepted-credential-ttl must be more than 0')
  })

  it('serve exits at once when a port is taken or the upstream is no URL, holding no port', async () => {
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const busyPort = (busy.address() as AddressInfo).port
    const adminPort = await findFreePort()
    try {
      for (const ports of [['--port', String(busyPort), '--admin-port', String(adminPort)], ['--port', '0', '--admin-port', String(busyPort)]]) {
        const run = await cli(['serve', ...ports, '--upstream', 'http://127.0.0.1:9/mcp'], { ...env, MCP_CACHE_ADMIN_TOKEN: 'x' })
        expect(run.code).toBe(1)
        expect(run.stderr).toContain(`127.0.0.1:${busyPort} is in use (EADDRINUSE): stop what holds it, or pick another port with ${ports[0] === '--port' && ports[1] === String(busyPort) ? '--port' : '--admin-port'}`)
      }
      // The admin port it would have opened is free again.
      const probe = createServer()
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(adminPort, '127.0.0.1', resolve))
      await new Promise<void>((resolve) => probe.close(() => resolve()))
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()))
    }
    const notUrl = await cli(['serve', '--port', '0', '--upstream', 'notaurl'], env)
    expect(notUrl.code).toBe(1)
    expect(notUrl.stderr).toContain("--upstream must be the http(s) URL of a Streamable HTTP MCP server, e.g. http://127.0.0.1:3000/mcp (got 'notaurl')")
  })

  it('installs from a clone as the mcp-cache command (npm install -g .), and npm pack ships the built CLI', async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'mcp-cache-global-'))
    await new Promise<void>((resolve, reject) => execFile('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', ROOT], { timeout: 120_000 }, (error) => (error === null ? resolve() : reject(error))))
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
    const installed = await new Promise<string>((resolve, reject) => execFile(join(prefix, 'bin', 'mcp-cache'), ['--version'], (error, stdout) => (error === null ? resolve(stdout.trim()) : reject(error))))
    expect(installed).toBe(version)
    const packed = await new Promise<string>((resolve, reject) => execFile('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, timeout: 60_000 }, (error, stdout) => (error === null ? resolve(stdout) : reject(error))))
    const files = (JSON.parse(packed) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((file) => file.path)
    expect(files).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/index.js', 'package.json']))
  })
})
