/**
 * Reaching Redis the way the seeds configure it: URLs with user, password and db,
 * a wrong password that must not leak, and the tiered store riding out an outage.
 */
import { execFile } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { CLI } from '../helpers/proxy-client.js'
import { sendCommand, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const PASSWORD = `pw-${process.pid}-${Date.now()}`

describe('Redis URL with user, password and db', () => {
  let server: RedisServerHandle
  beforeAll(async () => {
    server = await startRedisServer()
    // Set after start: the harness checks readiness with a PING that carries no password.
    expect(await server.command('CONFIG', 'SET', 'requirepass', PASSWORD)).toBe('+OK\r\n')
  })
  afterAll(async () => {
    await server.stop()
  })

  it('authenticates as the URL user and writes into the URL db', async () => {
    const url = `redis://default:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/3`
    const cache = createCache({ store: 'redis', prefix: 'seed', redis: { url }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
    expect(await cache.set('cpt:99213', { description: 'office visit' })).toBe(true)
    const authed = `redis://default:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`
    expect(await sendCommand(authed, 'EXISTS', 'seed:cpt:99213')).toBe(':0\r\n')
    await cache.close()
    // The same key exists in db 3 only.
    const inDb3 = await sendCommand(authed, 'EVAL', "redis.call('SELECT', 3) return redis.call('EXISTS', KEYS[1])", '1', 'seed:cpt:99213')
    expect(inDb3).toBe(':1\r\n')
  })

  it('with a wrong password degrades to the origin and never prints the password', async () => {
    const lines: string[] = []
    const logger = { warn: (...args: unknown[]) => lines.push(JSON.stringify(args)), error: () => {}, info: () => {}, debug: () => {} }
    const wrong = 'not-the-password-123'
    const cache = createCache({ store: 'redis', redis: { url: `redis://default:${wrong}@127.0.0.1:${server.port}/0`, operationTimeout: 100 }, logger })
    expect(await cache.ready(300)).toBe(false)
    expect(await cache.getOrSet('icd10:Z00.00', async () => 'origin')).toBe('origin')
    await cache.close()
    const output = lines.join('\n')
    expect(output).toMatch(/WRONGPASS|invalid username-password|not connected/i)
    expect(output).not.toContain(wrong)
  })

  it('names a refused password as an authentication failure in health() and doctor, not as an outage', async () => {
    const wrong = 'not-the-password-456'
    const url = `redis://default:${wrong}@127.0.0.1:${server.port}/0`
    const cache = createCache({ store: 'redis', redis: { url }, logger: false })
    expect(await cache.ready(500)).toBe(false)
    const health = await cache.health()
    await cache.close()
    expect(health.healthy).toBe(false)
    expect(health.error).toMatch(/the server refused the credentials \(WRONGPASS/)
    expect(health.error).not.toContain(wrong)
    const doctor = await new Promise<string>((resolve) =>
      execFile(process.execPath, [CLI, 'doctor', '--timeout', '1s', '--redis-url', url], { env: { ...process.env, LOG_LEVEL: 'error' }, timeout: 30_000 }, (_error, stdout) => resolve(stdout)),
    )
    expect(doctor).toMatch(/FAIL\s+connectivity\s+authentication failed: .*WRONGPASS/)
    expect(doctor).not.toContain(wrong)
  })
})

describe('tiered store during an outage', () => {
  let server: RedisServerHandle
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('keeps serving L1 hits while Redis is down (bus off), and Redis hits after it returns', async () => {
    const cache = createCache({ store: 'tiered', redis: { url: server.url, operationTimeout: 100, reconnect: { max: 200 } }, l1: { bus: false }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
    await cache.getOrSet('experiment:exp_1', async () => ({ variant: 'B' }))
    await server.kill()
    const during = await cache.getOrSetWithStatus('experiment:exp_1', async () => ({ variant: 'origin' }))
    expect(during).toStrictEqual({ value: { variant: 'B' }, status: 'hit' })
    const miss = await cache.getOrSetWithStatus('experiment:exp_2', async () => 'from origin')
    expect(miss.status).toBe('miss')
    await server.restart()
    expect(await cache.ready('5s')).toBe(true)
    expect(await cache.set('experiment:exp_3', 'after restart')).toBe(true)
    await cache.close()
  })
})

describe('retry policy (the seed: 2 s, 4 s, 8 s ..., at most 10 attempts)', () => {
  /** A server that accepts each connection and closes it at once, counting them: a Redis that keeps dropping us. */
  async function droppingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
    let count = 0
    const server = createServer((socket) => {
      count++
      socket.destroy()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return { url: `redis://127.0.0.1:${port}`, connections: () => count, close: () => new Promise((resolve) => server.close(() => resolve())) }
  }

  async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  it('gives up after redis.reconnect.maxAttempts, logs it and says so in health(), and stops connecting', async () => {
    const server = await droppingServer()
    const lines: string[] = []
    const logger = { warn: (...args: unknown[]) => lines.push(JSON.stringify(args)), error: () => {}, info: () => {}, debug: () => {} }
    const cache = createCache({ store: 'redis', redis: { url: server.url, reconnect: { base: 5, max: 10, maxAttempts: 3 }, healthCheckInterval: 100 }, logger })
    try {
      await until(async () => (await cache.health()).error?.includes('gave up reconnecting to redis after 3 attempts') === true, 'the give-up')
      expect(server.connections()).toBeGreaterThanOrEqual(3)
      expect(lines.some((line) => line.includes('redis gave up') && line.includes('gave up reconnecting'))).toBe(true)
      // Calls go to the origin, and nothing reconnects: not the client, not the health monitor,
      // which would replace a connection not ready for two of its intervals (200 ms).
      const made = server.connections()
      expect(await cache.getOrSet('k', () => 'origin')).toBe('origin')
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect(server.connections()).toBe(made)
    } finally {
      await cache.close()
      await server.close()
    }
  })

  it('by default never stops retrying', async () => {
    const server = await droppingServer()
    const cache = createCache({ store: 'redis', redis: { url: server.url, reconnect: { base: 5, max: 10 } }, logger: false })
    try {
      await until(() => server.connections() > 15, 'more than 15 connection attempts')
      expect((await cache.health()).error).not.toMatch(/gave up/)
    } finally {
      await cache.close()
      await server.close()
    }
  })
})
