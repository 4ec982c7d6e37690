/** `rediss://` against a redis-server with a TLS port and a CA made for the test. */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { optionsFromEnv } from '../../src/config/env.js'
import { findFreePort, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certs.js'

describe('Redis over TLS', () => {
  let certs: TestCertificates
  let server: RedisServerHandle
  let tlsPort: number
  beforeAll(async () => {
    certs = makeTestCertificates()
    tlsPort = await findFreePort()
    server = await startRedisServer({
      args: ['--tls-port', String(tlsPort), '--tls-cert-file', certs.certFile, '--tls-key-file', certs.keyFile, '--tls-ca-cert-file', certs.caFile, '--tls-auth-clients', 'no'],
    })
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(certs.dir, { recursive: true, force: true })
  })

  it('connects as an ACL user with a password from the URL, with the CA from REDIS_TLS_CA_FILE', async () => {
    expect(await server.command('ACL', 'SETUSER', 'tlsuser', 'on', '>tls-user-pass', '~*', '+@all')).toBe('+OK\r\n')
    const options = optionsFromEnv({ CACHE_BACKEND: 'redis', REDIS_URL: `rediss://tlsuser:tls-user-pass@127.0.0.1:${tlsPort}/2`, REDIS_TLS_CA_FILE: certs.caFile })
    const cache = createCache({ ...options, logger: false })
    expect(await cache.ready('5s')).toBe(true)
    expect(await cache.getOrSet('icd10:Z00.00', async () => ({ code: 'Z00.00' }))).toStrictEqual({ code: 'Z00.00' })
    expect((await cache.getOrSetWithStatus('icd10:Z00.00', async () => 'origin')).status).toBe('hit')
    // It landed in db 2, as the URL said.
    expect(await server.command('EVAL', "redis.call('SELECT', 2) return redis.call('EXISTS', KEYS[1])", '1', 'mcp:icd10:Z00.00')).toBe(':1\r\n')
    await cache.close()
  })

  it('refuses a server its CA did not sign, degrading to the origin with a clear logged reason', async () => {
    const lines: string[] = []
    const logger = { warn: (...args: unknown[]) => lines.push(JSON.stringify(args)), error: () => {}, info: () => {}, debug: () => {} }
    const cache = createCache({ store: 'redis', redis: { url: `rediss://127.0.0.1:${tlsPort}/0`, operationTimeout: 100 }, logger })
    expect(await cache.ready(500)).toBe(false)
    expect(await cache.getOrSet('icd10:Z00.01', async () => 'origin')).toBe('origin')
    await cache.close()
    expect(lines.join('\n')).toMatch(/self[- ]signed certificate|unable to verify|certificate/i)
  })
})
