/**
 * A known Redis password, bearer token and admin token go into the gateway;
 * nothing it prints (stdout, stderr logs at debug level) or answers, on MCP or
 * on the admin API, may contain them.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { MODERN_META, STATELESS_HEADERS, rawPost, toolCall } from '../helpers/raw-http.js'
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

describe('an upstream URL that carries credentials', () => {
  /** An upstream that refuses everything and echoes the URL and headers it was called with, as some error pages do. */
  async function echoingUpstream(): Promise<{ port: number; close(): Promise<void> }> {
    const server = createServer((req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end(`no such endpoint ${req.url} ${JSON.stringify(req.headers)}`))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) }
  }

  async function everythingSeen(upstreamUrl: string, extraArgs: string[] = []) {
    const adminToken = `ADMIN-${randomBytes(8).toString('hex')}`
    let printed = ''
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--admin-port', '0', '--upstream', upstreamUrl, ...extraArgs], {
      env: { ...process.env, LOG_LEVEL: 'debug', MCP_CACHE_ADMIN_TOKEN: adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()))
    for (let attempt = 0; attempt < 100 && !/serving http:\/\/127\.0\.0\.1:\d+\/mcp/.test(printed); attempt++) await new Promise((resolve) => setTimeout(resolve, 100))
    const url = /serving (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(printed)?.[1] as string
    const answers: string[] = []
    const client = new Client({ name: 'secrets-test', version: '1.0.0' }, { capabilities: {} })
    answers.push(await client.connect(new StreamableHTTPClientTransport(new URL(url))).then(() => 'connected', (error: unknown) => String(error)))
    const stateless = await rawPost(url, toolCall(1, 'lookup_code', { code: 'A' }, MODERN_META), STATELESS_HEADERS)
    answers.push(stateless.text)
    const adminUrl = /admin (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1] as string
    for (const path of ['/health/ready', '/stats', '/keys', '/invalidations', '/metrics']) {
      const response = await fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${adminToken}` } })
      answers.push(`${path} ${response.status} ${await response.text()}`)
    }
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    return { printed, answers: answers.join('\n') }
  }

  it('never shows its user info or query to clients, in logs or on the admin API; errors name its origin', async () => {
    const upstream = await echoingUpstream()
    const secrets = { password: `PW${randomBytes(6).toString('hex')}`, access: `AT${randomBytes(6).toString('hex')}`, auth: `AU${randomBytes(6).toString('hex')}` }
    const { printed, answers } = await everythingSeen(`http://svc:${secrets.password}@127.0.0.1:${upstream.port}/mcp?access_token=${secrets.access}&auth_token=${secrets.auth}`)
    await upstream.close()
    expect(answers).toContain(`upstream http://127.0.0.1:${upstream.port}`) // clients are told which upstream failed...
    expect(answers).toContain('no such endpoint') // ...and why, the echo included...
    expect(answers).toMatch(/authorization\\?":\\?"\*\*\*/) // (user info reached it as an Authorization header)
    expect(printed).toContain(`-> http://127.0.0.1:${upstream.port}\n`)
    for (const secret of Object.values(secrets)) expect(printed + answers).not.toContain(secret) // ...without a secret
    expect(answers).toContain('/mcp?***') // the echoed query, as a whole
  })

  it('is named as --upstream-name says', async () => {
    const upstream = await echoingUpstream()
    const { printed, answers } = await everythingSeen(`http://127.0.0.1:${upstream.port}/mcp/tenant-7`, ['--upstream-name', 'billing-records'])
    await upstream.close()
    expect(answers).toContain('upstream billing-records is unavailable')
    expect(printed).toContain('-> billing-records\n')
    expect(answers).not.toContain(`upstream http://127.0.0.1:${upstream.port}`)
  })
})
