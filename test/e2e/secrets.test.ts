/**
 * A known Redis password, bearer token and admin token go into the gateway;
 * nothing it prints (stdout, stderr logs at debug level) or answers, on MCP or
 * on the admin API, may contain them.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

describe('secrets through the gateway', () => {
  let redis: RedisServerHandle
  beforeAll(async () => {
    redis = await startRedisServer()
    await redis.command('CONFIG', 'SET', 'requirepass', `right-${randomBytes(4).toString('hex')}`)
  })
  afterAll(async () => {
    await redis.stop()
  })

  it('never prints the Redis password or the bearer token', async () => {
    const password = `PW-${randomBytes(8).toString('hex')}`
    const token = `TOKEN-${randomBytes(8).toString('hex')}`
    const adminToken = `ADMIN-${randomBytes(8).toString('hex')}`
    let printed = ''
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--admin-port', '0', '--store', 'redis', '--redis-url', `redis://default:${password}@127.0.0.1:${redis.port}/0`, '--', process.execPath, COUNTING_SERVER],
      { env: { ...process.env, LOG_LEVEL: 'debug', CACHE_OPERATION_TIMEOUT: '100ms', REDIS_TIMEOUT: '1', MCP_CACHE_ADMIN_TOKEN: adminToken }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()))
    for (let attempt = 0; attempt < 100 && !/http:\/\/127\.0\.0\.1:\d+\/mcp/.test(printed); attempt++) await new Promise((resolve) => setTimeout(resolve, 100))
    const url = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(printed)?.[1] as string
    const client = new Client({ name: 'secrets-test', version: '1.0.0' }, { capabilities: {} })
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
    const answers: unknown[] = []
    for (let i = 0; i < 3; i++) answers.push(await client.callTool({ name: 'lookup_code', arguments: { code: 'Z00.00' } }))
    answers.push(await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((error: unknown) => String(error)))
    await client.close()
    const adminUrl = /admin (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1] as string
    for (const path of ['/health', '/health/ready', '/stats', '/performance', '/keys', '/metrics', '/openapi.json']) {
      const response = await fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${adminToken}` } })
      answers.push(`${path} ${response.status} ${await response.text()}`)
    }
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    expect(printed).toMatch(/did not answer within the startup wait/) // started degraded, not crashed
    expect(printed).toMatch(/redis/i) // the failing Redis was reported...
    const everything = printed + JSON.stringify(answers)
    expect(everything).not.toContain(password) // ...without its password
    expect(everything).not.toContain(token)
    expect(everything).not.toContain(adminToken)
    expect(everything).toContain('/health/ready 503') // the admin API answered, reporting the sick store
  })
})
