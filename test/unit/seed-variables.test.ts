/**
 * Every environment variable the seed documents set is honoured, or named in a warning
 * that says what to use instead; none is ignored without a word.
 */
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { optionsFromEnv } from '../../src/config/env.js'
import { UNUSED_SEED_VARIABLES, unusedVariableWarnings } from '../../src/config/seed-variables.js'
import { createDefaultLogger } from '../../src/log/logger.js'

/** The variables each seed sets, with a value it gives them (000: patient data ... 004: medical codes). */
const SEED_VARIABLES: ReadonlyArray<readonly [seed: string, name: string, value: string]> = [
  ['000', 'CACHE_BACKEND', 'redis'],
  ['000', 'REDIS_URL', 'redis://localhost:6379/0'],
  ['000', 'PATIENT_CACHE_TTL_MINUTES', '10'],
  ['001', 'REDIS_POOL_SIZE', '10'],
  ['001', 'REDIS_DECODE_RESPONSES', 'true'],
  ['002', 'REDIS_API_KEY', 'cloud-key'],
  ['002', 'REDIS_HOST', 'redis-12345.example.com'],
  ['002', 'REDIS_PORT', '12345'],
  ['002', 'REDIS_DB', '0'],
  ['002', 'CACHE_TTL_USER_SESSION', '3600'],
  ['002', 'CACHE_TTL_SYMPTOM_INPUT', '1800'],
  ['002', 'CACHE_TTL_AI_SUMMARY', '7200'],
  ['002', 'CACHE_TTL_DRUG_ANALYSIS', '86400'],
  ['003', 'REDIS_PASSWORD', 'secret'],
  ['003', 'ENABLE_REDIS', 'false'],
  ['003', 'REDIS_TIMEOUT', '120'],
  ['003', 'LOG_LEVEL', 'DEBUG'],
  ['003', 'REDIS_LOG_COMMANDS', 'true'],
  ['004', 'REDIS_CONNECTION_STRING', 'redis://default:pw@cache.example.com:16379'],
]

/** What setting each honoured variable alone must change. */
const HONOURED: Readonly<Record<string, (value: string) => void>> = {
  CACHE_BACKEND: (value) => expect(optionsFromEnv({ CACHE_BACKEND: value }).store).toBe('redis'),
  REDIS_URL: (value) => expect(optionsFromEnv({ REDIS_URL: value }).redis?.url).toBe(value),
  PATIENT_CACHE_TTL_MINUTES: (value) => expect(optionsFromEnv({ PATIENT_CACHE_TTL_MINUTES: value }).ttl).toEqual({ patient: 600_000 }),
  // Seed 002's Redis Cloud credential: the password, unless REDIS_PASSWORD names one.
  REDIS_API_KEY: (value) => {
    expect(optionsFromEnv({ REDIS_API_KEY: value, REDIS_HOST: 'h' }).redis?.url).toBe(`redis://:${value}@h:6379/0`)
    // A password given otherwise wins: REDIS_PASSWORD, or one in the URL.
    expect(optionsFromEnv({ REDIS_API_KEY: value, REDIS_PASSWORD: 'pw', REDIS_HOST: 'h' }).redis?.url).toBe('redis://:pw@h:6379/0')
    expect(optionsFromEnv({ REDIS_API_KEY: value, REDIS_URL: 'redis://:urlpw@h:6379/0' }).redis?.url).toBe('redis://:urlpw@h:6379/0')
  },
  REDIS_HOST: (value) => expect(optionsFromEnv({ REDIS_HOST: value }).redis?.url).toBe(`redis://${value}:6379/0`),
  REDIS_PORT: (value) => expect(optionsFromEnv({ REDIS_PORT: value }).redis?.url).toBe(`redis://localhost:${value}/0`),
  REDIS_DB: () => expect(optionsFromEnv({ REDIS_DB: '2' }).redis?.url).toBe('redis://localhost:6379/2'),
  CACHE_TTL_USER_SESSION: (value) => expect(optionsFromEnv({ CACHE_TTL_USER_SESSION: value }).ttl).toEqual({ user_session: 3_600_000 }),
  CACHE_TTL_SYMPTOM_INPUT: (value) => expect(optionsFromEnv({ CACHE_TTL_SYMPTOM_INPUT: value }).ttl).toEqual({ symptom_input: 1_800_000 }),
  CACHE_TTL_AI_SUMMARY: (value) => expect(optionsFromEnv({ CACHE_TTL_AI_SUMMARY: value }).ttl).toEqual({ ai_summary: 7_200_000 }),
  CACHE_TTL_DRUG_ANALYSIS: (value) => expect(optionsFromEnv({ CACHE_TTL_DRUG_ANALYSIS: value }).ttl).toEqual({ drug_analysis: 86_400_000 }),
  REDIS_PASSWORD: (value) => expect(optionsFromEnv({ REDIS_PASSWORD: value }).redis?.url).toBe(`redis://:${value}@localhost:6379/0`),
  ENABLE_REDIS: (value) => expect(optionsFromEnv({ ENABLE_REDIS: value, CACHE_BACKEND: 'redis' }).store).toBe('memory'),
  REDIS_TIMEOUT: (value) => expect(optionsFromEnv({ REDIS_TIMEOUT: value }).startupWait).toBe(120_000),
  LOG_LEVEL: (value) => {
    const previous = process.env['LOG_LEVEL']
    process.env['LOG_LEVEL'] = value
    try {
      expect(createDefaultLogger(undefined, undefined, new Writable({ write: (_chunk, _encoding, done) => done() })).isLevelEnabled('debug')).toBe(true)
    } finally {
      if (previous === undefined) delete process.env['LOG_LEVEL']
      else process.env['LOG_LEVEL'] = previous
    }
  },
  REDIS_CONNECTION_STRING: (value) => expect(optionsFromEnv({ REDIS_CONNECTION_STRING: value }).redis?.url).toBe(`${value}/0`),
}

describe("the seeds' environment variables", () => {
  it.each(SEED_VARIABLES)('seed %s: %s is honoured or named in a warning with what to use instead', (_seed, name, value) => {
    const honoured = HONOURED[name]
    const warnings = unusedVariableWarnings({ [name]: value })
    if (honoured !== undefined) {
      honoured(value)
      expect(warnings).toEqual([])
    } else {
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(new RegExp(`^${name} is set but not used: .+`))
    }
  })

  it('lists no unused variable that is in fact honoured, and no seed variable twice', () => {
    expect(Object.keys(UNUSED_SEED_VARIABLES).filter((name) => name in HONOURED)).toEqual([])
    const names = SEED_VARIABLES.map(([, name]) => name)
    expect(new Set(names).size).toBe(names.length)
  })

  it('warns nothing for an empty unused variable (a compose file passing an unset one through)', () => {
    expect(unusedVariableWarnings({ REDIS_POOL_SIZE: '' })).toEqual([])
  })
})

describe("'forever' TTLs", () => {
  it("reads CACHE_TTL_<CATEGORY>=forever, and 'forever' in options, as no expiry", () => {
    expect(optionsFromEnv({ CACHE_TTL_DRUG_INFO: 'forever' }).ttl).toEqual({ drug_info: 'forever' })
    expect(() => createCache({ ttl: { drug_info: 'forever' }, defaultTtl: 'forever', logger: false })).not.toThrow()
    expect(() => createCache({ ttl: { drug_info: 'always' }, logger: false })).toThrow(/ttl\.drug_info/)
  })
})

describe('retry policy from the environment', () => {
  it('reads the attempts, base and cap (bare numbers are seconds, as the seed writes 2 s, 4 s, 8 s)', () => {
    expect(optionsFromEnv({ REDIS_RETRY_MAX_ATTEMPTS: '10', REDIS_RETRY_BASE_DELAY: '2', REDIS_RETRY_MAX_DELAY: '30s' }).redis?.reconnect).toEqual({ maxAttempts: 10, base: 2000, max: 30_000 })
    expect(optionsFromEnv({}).redis).toBeUndefined()
  })

  it('refuses attempts that are not a whole number of at least 1', () => {
    expect(() => optionsFromEnv({ REDIS_RETRY_MAX_ATTEMPTS: '0' })).toThrow(/REDIS_RETRY_MAX_ATTEMPTS=0 must be a whole number from 1/)
    expect(() => optionsFromEnv({ REDIS_RETRY_MAX_ATTEMPTS: 'ten' })).toThrow(/REDIS_RETRY_MAX_ATTEMPTS=ten/)
    expect(() => createCache({ store: 'redis', redis: { reconnect: { maxAttempts: 1.5 } }, logger: false })).toThrow(/redis\.reconnect\.maxAttempts/)
  })

  it('refuses a base longer than the cap, and a limit for a Cluster or Sentinel (their node clients come and go)', () => {
    expect(() => createCache({ store: 'redis', redis: { reconnect: { base: '3s' } }, logger: false })).toThrow(/redis\.reconnect\.base \(3000 ms\) is longer than redis\.reconnect\.max \(2000 ms\)/)
    const nodes = ['redis://127.0.0.1:1']
    expect(() => createCache({ store: 'cluster', redis: { nodes, reconnect: { maxAttempts: 10 } }, logger: false })).toThrow(/maxAttempts \(REDIS_RETRY_MAX_ATTEMPTS\) works with one Redis server/)
  })
})

describe("codec 'json' settings", () => {
  it('reads CACHE_CODEC, and a set but empty CACHE_PREFIX as the empty prefix', () => {
    expect(optionsFromEnv({ CACHE_CODEC: 'json', CACHE_PREFIX: '' })).toEqual({ codec: 'json', prefix: '' })
    // Elsewhere an empty variable (a compose file passing an unset one through) still means the default.
    expect(optionsFromEnv({ CACHE_PREFIX: '' })).toEqual({})
    expect(() => optionsFromEnv({ CACHE_CODEC: 'msgpack' })).toThrow(/CACHE_CODEC=msgpack is not a codec: use envelope \(the default\) or json/)
  })

  it('refuses what cannot work with it, naming the field', () => {
    expect(() => createCache({ prefix: '', logger: false })).toThrow(/prefix: an empty prefix is for codec 'json'/)
    expect(() => createCache({ codec: 'json', store: 'tiered', logger: false })).toThrow(/store: codec 'json' .* use store redis/)
    expect(() => createCache({ codec: 'json', store: 'redis', grace: '5m', logger: false })).toThrow(/grace: codec 'json' .* remove grace/)
    const keys = { k1: Buffer.alloc(32, 1).toString('base64') }
    expect(() => createCache({ codec: 'json', store: 'redis', redis: { encryption: { keys, current: 'k1' } }, logger: false })).toThrow(/redis\.encryption: codec 'json'/)
  })
})
