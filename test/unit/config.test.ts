import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { TtlPolicy } from '../../src/cache/ttl-policy.js'
import { parseDuration } from '../../src/config/duration.js'
import { optionsFromEnv } from '../../src/config/env.js'
import { loadConfig } from '../../src/config/load-config.js'
import { redactSecrets } from '../../src/log/redact.js'
import { parseGatewayConfig } from '../../src/mcp/gateway-config.js'

describe('durations', () => {
  it('accept milliseconds and unit strings', () => {
    expect(parseDuration(250)).toBe(250)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('10m')).toBe(600_000)
    expect(parseDuration('24h')).toBe(86_400_000)
    expect(parseDuration('1.5h')).toBe(5_400_000)
  })

  it('reject anything else, naming the field', () => {
    expect(() => parseDuration('10 minutes', 'ttl.patient')).toThrow(/ttl\.patient must be a duration like/)
    expect(() => parseDuration(-1, 'grace')).toThrow(/grace must be a non-negative/)
  })
})

describe('environment, as the seeds name it', () => {
  it('is empty when nothing is set, so createCache() falls back to memory', () => {
    expect(optionsFromEnv({})).toStrictEqual({})
  })

  it('reads CACHE_BACKEND, REDIS_URL, prefix, TTLs and timeouts', () => {
    const options = optionsFromEnv({
      CACHE_BACKEND: 'redis',
      REDIS_URL: 'redis://localhost:6379/0',
      CACHE_PREFIX: 'medinsight',
      CACHE_DEFAULT_TTL: '15m',
      PATIENT_CACHE_TTL_MINUTES: '10',
      CACHE_TTL_USER_SESSION: '3600',
      CACHE_TTL_DRUG_ANALYSIS: '24h',
      REDIS_TIMEOUT: '60',
      CACHE_OPERATION_TIMEOUT: '250ms',
    })
    expect(options).toMatchObject({
      store: 'redis',
      prefix: 'medinsight',
      defaultTtl: 900_000,
      startupWait: 60_000,
      ttl: { patient: 600_000, user_session: 3_600_000, drug_analysis: 86_400_000 },
      redis: { url: 'redis://localhost:6379/0', operationTimeout: 250 },
    })
  })

  it('composes a URL from REDIS_HOST/PORT/PASSWORD/DB and accepts the REDIS_CONNECTION_STRING alias', () => {
    expect(optionsFromEnv({ REDIS_HOST: 'cache.internal', REDIS_PORT: '6380', REDIS_PASSWORD: 'p@ss:word', REDIS_DB: '2' }).redis?.url).toBe(
      'redis://:p%40ss%3Aword@cache.internal:6380/2',
    )
    expect(optionsFromEnv({ REDIS_CONNECTION_STRING: 'rediss://cache.example:6380' }).redis?.url).toBe('rediss://cache.example:6380/0')
  })

  it('reads cluster seed nodes and sentinels as URL lists, adding redis:// to bare host:port items', () => {
    expect(optionsFromEnv({ CACHE_BACKEND: 'cluster', REDIS_CLUSTER_NODES: '10.0.0.1:7000, rediss://10.0.0.2:7000' })).toStrictEqual({
      store: 'cluster',
      redis: { nodes: ['redis://10.0.0.1:7000', 'rediss://10.0.0.2:7000'] },
    })
    expect(optionsFromEnv({ CACHE_BACKEND: 'sentinel', REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'cache' })).toStrictEqual({
      store: 'sentinel',
      redis: { sentinels: ['redis://s1:26379', 'redis://s2:26379'], name: 'cache' },
    })
  })

  it('gives bare cluster nodes the scheme and credentials of REDIS_URL', () => {
    const options = optionsFromEnv({ REDIS_URL: 'rediss://app:s3cret@cache.internal:6380', REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' })
    expect(options.redis?.nodes).toStrictEqual(['rediss://app:s3cret@10.0.0.1:7000', 'rediss://app:s3cret@10.0.0.2:7000'])
  })

  it('names the missing or conflicting field of a cluster or sentinel store', () => {
    expect(() => createCache({ store: 'cluster', redis: { nodes: ['redis://a:1/2'] }, logger: false })).toThrow(/redis\.nodes: a Redis Cluster has database 0 only/)
    expect(() => createCache({ store: 'cluster', redis: { nodes: ['redis://a:1', 'rediss://b:1'] }, logger: false })).toThrow(/mixes redis:\/\/ and rediss:\/\//)
    expect(() => createCache({ store: 'tiered', redis: { url: 'redis://127.0.0.1:1' }, l1: { heartbeat: 0 }, logger: false })).toThrow(/l1\.heartbeat must be at least 100ms/)
    expect(() => createCache({ store: 'cluster', logger: false })).toThrow(/redis\.nodes: store 'cluster' needs the seed nodes/)
    expect(() => createCache({ store: 'sentinel', logger: false })).toThrow(/redis\.sentinels: store 'sentinel' needs the sentinels/)
    expect(() => createCache({ store: 'redis', redis: { nodes: ['redis://a:1'], sentinels: ['redis://b:2'] }, logger: false })).toThrow(/not both/)
    expect(() => createCache({ store: 'cluster', redis: { nodes: ['http://a:1'] }, logger: false })).toThrow(/redis\.nodes\.0: must start with redis:\/\//)
  })

  it('applies REDIS_PASSWORD, REDIS_PORT and REDIS_DB to the default URL when no URL or host is given', () => {
    expect(optionsFromEnv({ REDIS_PASSWORD: 'secret', REDIS_DB: '3' }).redis?.url).toBe('redis://:secret@localhost:6379/3')
    expect(optionsFromEnv({ REDIS_URL: 'redis://cache:6379/0', REDIS_PORT: '6390' }).redis?.url).toBe('redis://cache:6390/0')
  })

  it('rejects an unparsable REDIS_URL without echoing it, and a unitless operation timeout', () => {
    let message = ''
    try {
      optionsFromEnv({ REDIS_URL: 'redis://default:pa#ss word@host:6379' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/REDIS_URL is not a valid URL/)
    expect(message).not.toContain('pa#ss')
    expect(() => optionsFromEnv({ CACHE_OPERATION_TIMEOUT: '250' })).toThrow(/needs a unit, e.g. 250ms/)
    expect(optionsFromEnv({ CACHE_JITTER: '0.1' })).toStrictEqual({ jitter: 0.1 })
  })

  it('lets ENABLE_REDIS=false force the memory store', () => {
    expect(optionsFromEnv({ CACHE_BACKEND: 'redis', ENABLE_REDIS: 'false' }).store).toBe('memory')
  })

  it('stops on a bad value with a message naming the variable and what it accepts', () => {
    expect(() => optionsFromEnv({ CACHE_BACKEND: 'memcached' })).toThrow('CACHE_BACKEND=memcached is not a backend: use memory, redis, tiered, cluster or sentinel')
    expect(() => optionsFromEnv({ CACHE_TTL_USER: 'always' })).toThrow(/CACHE_TTL_USER=always is not a duration/)
    expect(() => optionsFromEnv({ REDIS_PORT: '99999', REDIS_HOST: 'h' })).toThrow(/REDIS_PORT=99999 must be a whole number from 1 to 65535/)
    expect(() => optionsFromEnv({ ENABLE_REDIS: 'maybe' })).toThrow(/ENABLE_REDIS=maybe must be true or false/)
    expect(() => optionsFromEnv({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL must start with redis:\/\/ or rediss:\/\//)
  })
})

describe('config file and validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-cache-config-'))

  it('reads YAML under MCP_CACHE_CONFIG, with the environment overriding it', () => {
    const path = join(dir, 'cache.yaml')
    writeFileSync(path, 'cache:\n  store: tiered\n  prefix: router\n  ttl:\n    experiment: 24h\n    assignment: 1h\n')
    const options = loadConfig({ MCP_CACHE_CONFIG: path, CACHE_PREFIX: 'override', CACHE_TTL_ASSIGNMENT: '30m' })
    expect(options).toMatchObject({ store: 'tiered', prefix: 'override', ttl: { experiment: '24h', assignment: 1_800_000 } })
  })

  it('names every wrong field of a file', () => {
    const path = join(dir, 'bad.json')
    writeFileSync(path, JSON.stringify({ store: 'disk', defaultTtl: 'soon', redis: { url: 'http://x', tiemout: 1 } }))
    let message = ''
    try {
      loadConfig({ MCP_CACHE_CONFIG: path })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain(`invalid config file ${path}`)
    expect(message).toContain('store: must be memory, redis, tiered, cluster or sentinel (or a Store object in code); got "disk"')
    expect(message).toMatch(/defaultTtl: must be a duration like/)
    expect(message).toMatch(/redis\.url: must start with redis:\/\/ or rediss:\/\//)
    expect(message).toMatch(/redis: unknown field\(s\) 'tiemout'/)
  })

  it('rejects wrong options passed in code with E_INVALID_CONFIG', () => {
    expect(() => createCache({ prefix: 'has space', logger: false })).toThrow(/prefix: use one segment/)
    expect(() => createCache({ jitter: 2, logger: false })).toThrow(/jitter/)
  })
})

describe('TTL policy', () => {
  it('uses call TTL, then category policy, then the default', () => {
    const policy = new TtlPolicy({ defaultTtl: '5m', ttl: { experiment: '24h' } }, 0)
    expect(policy.lifetime('experiment').ttl).toBe(86_400_000)
    expect(policy.lifetime('other').ttl).toBe(300_000)
    expect(policy.lifetime('experiment', '1m').ttl).toBe(60_000)
  })

  it('refuses a TTL over 10 years, in code, in config and in the environment (Redis would refuse every write)', () => {
    const policy = new TtlPolicy({}, 0)
    for (const ttl of [1e300, '999999999999999d', 3651 * 86_400_000, '3651d']) {
      expect(() => policy.lifetime('x', ttl)).toThrow(expect.objectContaining({ code: 'E_INVALID_CONFIG', message: expect.stringContaining('at most 3650d') }))
    }
    expect(policy.lifetime('x', '3650d').ttl).toBe(3650 * 86_400_000)
    expect(() => createCache({ defaultTtl: 1e300, logger: false })).toThrow(/at most 3650d/)
    expect(() => optionsFromEnv({ CACHE_DEFAULT_TTL: '999999999999' })).toThrow(/CACHE_DEFAULT_TTL=999999999999: must be at most 3650d/)
  })

  it('refuses a timeout or interval longer than a timer can wait (about 24 days: a longer one fires at once)', async () => {
    const tooLong = /at most 24d, the longest a timer waits/
    expect(() => createCache({ store: 'redis', redis: { url: 'redis://127.0.0.1:1', operationTimeout: '30d' }, logger: false })).toThrow(tooLong)
    expect(() => createCache({ startupWait: '25d', logger: false })).toThrow(tooLong)
    expect(() => parseGatewayConfig({ upstreamTimeout: '30d' })).toThrow(/upstreamTimeout: must be at most 24d/)
    expect(parseGatewayConfig({ upstreamTimeout: '24d' }).upstreamTimeout).toBe(24 * 86_400_000)
    const cache = createCache({ logger: false })
    await expect(cache.getOrSet('k', async () => 1, { hardTimeout: '30d' })).rejects.toThrow(tooLong)
    expect(await cache.getOrSet('k', async () => 1, { ttl: '30d' })).toBe(1) // a lifetime may be longer
    await cache.close()
  })

  it('spreads TTLs with jitter, never beyond the policy', () => {
    const policy = new TtlPolicy({ defaultTtl: 100_000 }, 0.2)
    const ttls = Array.from({ length: 200 }, () => policy.lifetime('x').ttl)
    expect(Math.max(...ttls)).toBeLessThanOrEqual(100_000)
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(80_000)
    expect(new Set(ttls).size).toBeGreaterThan(50)
  })
})

describe('redaction', () => {
  it('removes passwords from URLs and key=value pairs', () => {
    expect(redactSecrets('connect redis://default:s3cret@host:6379/0 failed')).toBe('connect redis://default:***@host:6379/0 failed')
    expect(redactSecrets('rediss://:s3cret@host:6380')).toBe('rediss://:***@host:6380')
    expect(redactSecrets('password=s3cret token: abc')).toBe('password=*** token: ***')
    expect(redactSecrets('redis://localhost:6379/0')).toBe('redis://localhost:6379/0')
    expect(redactSecrets('redis://app:Sup3r/Se?cr#et@host:6379')).toBe('redis://app:***@host:6379')
  })
})
