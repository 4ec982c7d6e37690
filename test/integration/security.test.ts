/**
 * Security against a real Redis: the whole store and engine suites as an ACL
 * user confined to the cache's prefix and denied KEYS/FLUSHALL; encryption at
 * rest; and a hunt for a known password and token in everything we print.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { RedisStore } from '../../src/stores/redis-store.js'
import { describeCacheEngine } from '../helpers/cache-suite.js'
import { redisUrl } from '../helpers/redis.js'
import { sendCommand, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { describeStoreConformance } from '../helpers/store-suite.js'

const ACL_PASSWORD = `acl-${randomBytes(6).toString('hex')}`

describe('as an ACL user limited to ~acl:* and denied KEYS, FLUSHALL, FLUSHDB', () => {
  let server: RedisServerHandle
  let url = ''
  beforeAll(async () => {
    server = await startRedisServer()
    const reply = await server.command('ACL', 'SETUSER', 'cacheuser', 'on', `>${ACL_PASSWORD}`, '~acl:*', '+@all', '-keys', '-flushall', '-flushdb')
    expect(reply).toBe('+OK\r\n')
    url = `redis://cacheuser:${ACL_PASSWORD}@127.0.0.1:${server.port}/0`
    // The restriction is real: the denied commands fail for this user.
    expect(await sendCommand(url, 'KEYS', '*')).toMatch(/^-NOPERM/)
    expect(await sendCommand(url, 'FLUSHALL')).toMatch(/^-NOPERM/)
    expect(await sendCommand(url, 'SET', 'other:key', 'x')).toMatch(/^-NOPERM/)
  })
  afterAll(async () => {
    await server.stop()
  })

  const connected = async () => {
    const store = new RedisStore({ url })
    if (!(await store.ready(5000))) throw new Error('ACL user could not connect')
    return store
  }
  describeStoreConformance('redis (ACL user)', connected, () => 'acl:conformance')
  describeCacheEngine('redis (ACL user)', async (options) => {
    const cache = createCache({ store: 'redis', prefix: 'acl', redis: { url }, logger: false, ...options })
    if (!(await cache.ready('5s'))) throw new Error('ACL user could not connect')
    return cache
  })
})

describe('encryption at rest in Redis', () => {
  let server: RedisServerHandle
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('stores no plaintext, and a tampered value is a miss that is counted', async () => {
    const encryption = { keys: { k1: randomBytes(32).toString('base64') }, current: 'k1' }
    const cache = createCache({ store: 'redis', prefix: 'phi', redis: { url: server.url, encryption }, logger: false })
    expect(await cache.ready('5s')).toBe(true)
    await cache.set('patient:v1:500:100841', { name: 'PATIENT,DEMO', ssn: '000-00-0000' })
    expect(await cache.get('patient:v1:500:100841')).toStrictEqual({ name: 'PATIENT,DEMO', ssn: '000-00-0000' })
    const raw = await server.command('GET', 'phi:patient:v1:500:100841')
    expect(raw).not.toContain('PATIENT')
    expect(raw).not.toContain('000-00-0000')
    await server.command('SETRANGE', 'phi:patient:v1:500:100841', '40', 'XX')
    const after = await cache.getOrSetWithStatus('patient:v1:500:100841', async () => ({ name: 'from origin' }))
    expect(after).toStrictEqual({ value: { name: 'from origin' }, status: 'miss' })
    expect(cache.stats().corrupt).toBe(1)
    await cache.close()
  })

  it('stores no plaintext from the tiered store either (it reuses L1 bytes for Redis only when unencrypted)', async () => {
    const encryption = { keys: { k1: randomBytes(32).toString('base64') }, current: 'k1' }
    const tiered = createCache({ store: 'tiered', prefix: 'phi-tiered', redis: { url: server.url, encryption }, logger: false })
    const plain = createCache({ store: 'tiered', prefix: 'plain-tiered', redis: { url: server.url }, logger: false })
    expect(await tiered.ready('5s')).toBe(true)
    expect(await plain.ready('5s')).toBe(true)
    const record = { name: 'PATIENT,DEMO', ssn: '000-00-0000' }
    await tiered.getOrSet('patient:v1:500:100841', async () => record)
    await plain.getOrSet('patient:v1:500:100841', async () => record)
    await tiered.set('patient:v1:500:100842', record)
    // getOrSet writes behind the answer: read back through the cache's own connection first, so the SET has landed.
    await tiered.delete('no-such-key')
    await plain.delete('no-such-key')
    for (const key of ['phi-tiered:patient:v1:500:100841', 'phi-tiered:patient:v1:500:100842']) {
      const raw = await server.command('GET', key)
      expect(raw.length).toBeGreaterThan(40) // written (ciphertext), not absent
      expect(raw).not.toContain('PATIENT')
    }
    // The control: without encryption the same write is readable, so the check above can fail.
    expect(await server.command('GET', 'plain-tiered:patient:v1:500:100841')).toContain('PATIENT')
    await tiered.close()
    await plain.close()
  })
})

describe('secrets never printed', () => {
  let server: RedisServerHandle
  beforeAll(async () => {
    server = await startRedisServer()
    await server.command('CONFIG', 'SET', 'requirepass', `right-${randomBytes(4).toString('hex')}`)
  })
  afterAll(async () => {
    await server.stop()
  })

  it('keeps a wrong Redis password out of logs, errors, health and stats', async () => {
    const password = `WRONG-${randomBytes(8).toString('hex')}`
    const printed: string[] = []
    const capture = (...args: unknown[]) => printed.push(JSON.stringify(args, (_, value: unknown) => (value instanceof Error ? { message: value.message, stack: value.stack } : value)))
    const logger = { warn: capture, error: capture, info: capture, debug: capture }
    const cache = createCache({ store: 'redis', redis: { url: `redis://default:${password}@127.0.0.1:${server.port}/0`, operationTimeout: 100 }, logger })
    expect(await cache.ready(400)).toBe(false)
    await cache.getOrSet('user:1:session', async () => ({ ok: true }))
    await cache.set('user:2:session', { ok: true })
    printed.push(JSON.stringify(await cache.health()), JSON.stringify(cache.stats()))
    await cache.close()
    expect(printed.length).toBeGreaterThan(2)
    expect(printed.join('\n')).not.toContain(password)
  })
})

describe('caches with neighbouring prefixes on one Redis', () => {
  it('never read, overwrite or clear each other’s entries; a prefix inside another’s space is refused', async () => {
    const base = `app${randomBytes(4).toString('hex')}`
    const open = (prefix: string) => createCache({ store: 'redis', prefix, redis: { url: redisUrl() }, logger: false })
    expect(() => open(`${base}:billing`)).toThrow(expect.objectContaining({ code: 'E_INVALID_CONFIG' }))
    const [app, dashed, dotted] = [open(base), open(`${base}-billing`), open(`${base}.billing`)]
    try {
      await dashed.set('x', 'dashed')
      await dotted.set('x', 'dotted')
      await app.set('billing:x', 'app')
      await app.namespace('billing').set('x', 'app namespace')
      expect([await dashed.get('x'), await dotted.get('x'), await app.get('billing:x')]).toStrictEqual(['dashed', 'dotted', 'app'])
      expect(await app.clear()).toBe(2)
      expect([await dashed.get('x'), await dotted.get('x')]).toStrictEqual(['dashed', 'dotted'])
    } finally {
      await Promise.all([dashed.clear(), dotted.clear()])
      await Promise.all([app.close(), dashed.close(), dotted.close()])
    }
  })
})
