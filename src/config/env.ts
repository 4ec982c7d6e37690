import { readFileSync } from 'node:fs'
import type { CacheOptions } from '../cache/options.js'
import { ConfigError } from '../errors.js'
import { parseBytes } from './bytes.js'
import { DEFAULT_REDIS_URL } from '../stores/redis-connection.js'
import { parseDuration } from './duration.js'

type Env = Readonly<Record<string, string | undefined>>
type Mutable<T> = { -readonly [K in keyof T]?: T[K] extends object ? Mutable<T[K]> : T[K] }

/** A number with an optional unit: such a value fails to parse only by being too long. */
const DURATION_SHAPE = /^\d+(\.\d+)?\s*(ms|s|m|h|d)?$/

/**
 * Env durations: a bare number is seconds, as the seeds write them
 * (`CACHE_TTL_USER_SESSION=3600`); a unit makes it explicit (`250ms`, `30m`).
 */
export function envDuration(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return undefined
  const value = /^\d+(\.\d+)?$/.test(raw) ? `${raw}s` : raw
  try {
    return parseDuration(value, name)
  } catch (error) {
    if (DURATION_SHAPE.test(raw)) throw new ConfigError(`${name}=${raw}: ${(error as Error).message.replace(`${name} `, '')}`)
    throw new ConfigError(`${name}=${raw} is not a duration: use seconds (3600) or a unit (250ms, 30s, 10m, 24h)`)
  }
}

function envInteger(env: Env, name: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} must be a whole number from ${min} to ${max}`)
  }
  return value
}

function envBoolean(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return undefined
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(`${name}=${env[name]} must be true or false`)
}

/** The backend named by CACHE_BACKEND, forced to memory by ENABLE_REDIS=false. */
function envStore(env: Env): CacheOptions['store'] | undefined {
  const raw = env['CACHE_BACKEND']?.trim().toLowerCase()
  if (envBoolean(env, 'ENABLE_REDIS') === false) return 'memory'
  if (raw === undefined || raw === '') return undefined
  if (raw === 'memory' || raw === 'redis' || raw === 'tiered' || raw === 'cluster' || raw === 'sentinel') return raw
  throw new ConfigError(`CACHE_BACKEND=${env['CACHE_BACKEND']} is not a backend: use memory, redis, tiered, cluster or sentinel`)
}

const URL_PART_VARIABLES = ['REDIS_HOST', 'REDIS_PORT', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_API_KEY', 'REDIS_DB'] as const

/**
 * REDIS_URL, its alias REDIS_CONNECTION_STRING, or the default URL, with any of
 * REDIS_HOST/PORT/USERNAME/PASSWORD/DB applied on top. Undefined when none is set.
 * REDIS_API_KEY (seed 002's Redis Cloud credential) is the password when REDIS_PASSWORD is not set.
 */
export function envRedisUrl(env: Env): string | undefined {
  const url = env['REDIS_URL']?.trim() || env['REDIS_CONNECTION_STRING']?.trim()
  const parts = URL_PART_VARIABLES.filter((name) => env[name]?.trim())
  if (!url && parts.length === 0) return undefined
  const name = env['REDIS_URL']?.trim() ? 'REDIS_URL' : 'REDIS_CONNECTION_STRING'
  let base: URL
  try {
    base = new URL(url || DEFAULT_REDIS_URL)
  } catch {
    // The text may hold a password: never echo it.
    throw new ConfigError(`${name} is not a valid URL: use redis://[user:password@]host:port/db, percent-encoding special characters in the password`)
  }
  if (!/^rediss?:$/.test(base.protocol)) {
    throw new ConfigError(`${name} must start with redis:// or rediss:// (got ${base.protocol}//...)`)
  }
  const host = env['REDIS_HOST']?.trim()
  if (host) base.hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  const port = envInteger(env, 'REDIS_PORT', { min: 1, max: 65535 })
  if (port !== undefined) base.port = String(port)
  if (env['REDIS_USERNAME']) base.username = encodeURIComponent(env['REDIS_USERNAME'])
  // A password alone authenticates as the default user, on Redis 5 as on 6+ (AUTH <password>).
  if (env['REDIS_PASSWORD']) base.password = encodeURIComponent(env['REDIS_PASSWORD'])
  // Seed 002's Redis Cloud key stands in for a password only where none is given: a URL's own wins.
  else if (env['REDIS_API_KEY'] && base.password === '') base.password = encodeURIComponent(env['REDIS_API_KEY'])
  const db = envInteger(env, 'REDIS_DB', { min: 0, max: 2 ** 31 - 1 })
  if (db !== undefined) base.pathname = `/${db}`
  else if (base.pathname === '' || base.pathname === '/') base.pathname = '/0'
  return base.toString()
}

/** Category TTLs from CACHE_TTL_<CATEGORY> and the seeds' PATIENT_CACHE_TTL_MINUTES. */
function envTtls(env: Env): Record<string, number | 'forever'> | undefined {
  const ttl: Record<string, number | 'forever'> = {}
  for (const name of Object.keys(env)) {
    const match = /^CACHE_TTL_([A-Z0-9_]+)$/.exec(name)
    // 'forever': kept until deleted or evicted (the health API seed's drug info, "cached indefinitely").
    if (match && env[name]) ttl[(match[1] as string).toLowerCase()] = env[name].trim() === 'forever' ? 'forever' : (envDuration(env, name) as number)
  }
  const minutes = env['PATIENT_CACHE_TTL_MINUTES']?.trim()
  if (minutes) {
    const value = Number(minutes)
    if (!Number.isFinite(value) || value < 0) throw new ConfigError(`PATIENT_CACHE_TTL_MINUTES=${minutes} must be a number of minutes, e.g. 10`)
    ttl['patient'] = Math.round(value * 60_000)
  }
  return Object.keys(ttl).length > 0 ? ttl : undefined
}

function envUrlList(env: Env, name: string, template?: string): string[] | undefined {
  const raw = env[name]?.trim()
  return raw ? redisUrlList(raw, template) : undefined
}

/**
 * A comma-separated list of Redis URLs (REDIS_CLUSTER_NODES, `--redis-nodes`). A bare
 * `host:port` item gets the scheme and credentials of `template` (REDIS_URL), or `redis://`.
 */
export function redisUrlList(raw: string, template?: string): string[] {
  const base = template === undefined ? undefined : new URL(template)
  const userinfo = base === undefined || (base.username === '' && base.password === '') ? '' : `${base.username}${base.password === '' ? '' : `:${base.password}`}@`
  const scheme = base?.protocol ?? 'redis:'
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => (/^rediss?:\/\//.test(item) ? item : `${scheme}//${userinfo}${item}`))
}

/** The seed's retry policy ("2 s, 4 s, 8 s ..., at most 10 attempts") from REDIS_RETRY_*; unset: never stop. */
function envReconnect(env: Env): NonNullable<CacheOptions['redis']>['reconnect'] | undefined {
  const maxAttempts = envInteger(env, 'REDIS_RETRY_MAX_ATTEMPTS', { min: 1 })
  const base = envDuration(env, 'REDIS_RETRY_BASE_DELAY')
  const max = envDuration(env, 'REDIS_RETRY_MAX_DELAY')
  if (maxAttempts === undefined && base === undefined && max === undefined) return undefined
  return { ...(maxAttempts !== undefined && { maxAttempts }), ...(base !== undefined && { base }), ...(max !== undefined && { max }) }
}

function readPem(env: Env, name: string): Buffer | undefined {
  const path = env[name]?.trim()
  if (!path) return undefined
  try {
    return readFileSync(path)
  } catch (error) {
    throw new ConfigError(`${name}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): point it at a PEM file`)
  }
}

/**
 * Reads cache options from environment variables, named as the seeds name them.
 * Only variables that are set appear in the result. See README.md for the table.
 */
export function optionsFromEnv(env: Env = process.env): CacheOptions {
  const options: Mutable<CacheOptions> = {}
  const redis: Mutable<NonNullable<CacheOptions['redis']>> = {}
  const store = envStore(env)
  if (store !== undefined) options.store = store
  const codec = env['CACHE_CODEC']?.trim().toLowerCase()
  if (codec) {
    if (codec !== 'envelope' && codec !== 'json') throw new ConfigError(`CACHE_CODEC=${env['CACHE_CODEC']} is not a codec: use envelope (the default) or json (plain JSON other programs read)`)
    options.codec = codec
  }
  const prefix = env['CACHE_PREFIX']?.trim()
  if (prefix) options.prefix = prefix
  // Set and empty means no prefix only beside CACHE_CODEC=json: elsewhere an empty variable a
  // compose file passes through means the default, as it always did.
  else if (prefix === '' && codec === 'json') options.prefix = ''
  const defaultTtl = envDuration(env, 'CACHE_DEFAULT_TTL')
  if (defaultTtl !== undefined) options.defaultTtl = defaultTtl
  const grace = envDuration(env, 'CACHE_GRACE')
  if (grace !== undefined) options.grace = grace
  const ttl = envTtls(env)
  if (ttl !== undefined) options.ttl = ttl
  const jitter = env['CACHE_JITTER']?.trim()
  if (jitter) {
    const value = Number(jitter)
    if (!(value >= 0 && value < 1)) throw new ConfigError(`CACHE_JITTER=${jitter} must be a fraction from 0 up to (not including) 1, e.g. 0.1`)
    options.jitter = value
  }
  const logOperations = envBoolean(env, 'CACHE_LOG_OPERATIONS')
  if (logOperations !== undefined) options.logOperations = logOperations
  const stats = envBoolean(env, 'CACHE_STATS')
  if (stats !== undefined) options.stats = stats
  const startupWait = envDuration(env, 'REDIS_TIMEOUT')
  if (startupWait !== undefined) options.startupWait = startupWait
  const singleFlight = env['CACHE_SINGLE_FLIGHT']?.trim().toLowerCase()
  if (singleFlight) {
    if (singleFlight !== 'process' && singleFlight !== 'distributed') throw new ConfigError(`CACHE_SINGLE_FLIGHT=${singleFlight} must be process or distributed`)
    options.singleFlight = singleFlight
  }
  const lockTtl = envDuration(env, 'CACHE_LOCK_TTL')
  if (lockTtl !== undefined) options.lockTtl = lockTtl
  const maxEntries = envInteger(env, 'CACHE_MAX_ENTRIES', { min: 1 })
  if (maxEntries !== undefined) options.memory = { ...options.memory, maxEntries }
  if (env['CACHE_MAX_BYTES']?.trim()) options.memory = { ...options.memory, maxBytes: parseBytes(env['CACHE_MAX_BYTES'].trim(), 'CACHE_MAX_BYTES') }
  const l1MaxTtl = envDuration(env, 'CACHE_L1_MAX_TTL')
  if (l1MaxTtl !== undefined) options.l1 = { maxTtl: l1MaxTtl }
  const l1Bus = envBoolean(env, 'CACHE_L1_BUS')
  if (l1Bus !== undefined) options.l1 = { ...options.l1, bus: l1Bus }
  const heartbeat = envDuration(env, 'CACHE_L1_HEARTBEAT')
  if (heartbeat !== undefined) options.l1 = { ...options.l1, heartbeat }

  const url = envRedisUrl(env)
  if (url !== undefined) redis.url = url
  // Bare cluster nodes take the scheme (TLS) and credentials of REDIS_URL and its parts.
  const nodes = envUrlList(env, 'REDIS_CLUSTER_NODES', url)
  if (nodes !== undefined) redis.nodes = nodes
  const sentinels = envUrlList(env, 'REDIS_SENTINELS')
  if (sentinels !== undefined) redis.sentinels = sentinels
  if (env['REDIS_SENTINEL_NAME']?.trim()) redis.name = env['REDIS_SENTINEL_NAME'].trim()
  if (/^\d+(\.\d+)?$/.test(env['CACHE_OPERATION_TIMEOUT']?.trim() ?? '')) {
    throw new ConfigError(`CACHE_OPERATION_TIMEOUT=${env['CACHE_OPERATION_TIMEOUT']} needs a unit, e.g. 250ms (a bare number would be seconds)`)
  }
  const operationTimeout = envDuration(env, 'CACHE_OPERATION_TIMEOUT')
  if (operationTimeout !== undefined) redis.operationTimeout = operationTimeout
  const reconnect = envReconnect(env)
  if (reconnect !== undefined) redis.reconnect = reconnect
  const ca = readPem(env, 'REDIS_TLS_CA_FILE')
  const cert = readPem(env, 'REDIS_TLS_CERT_FILE')
  const key = readPem(env, 'REDIS_TLS_KEY_FILE')
  if (ca || cert || key) redis.tls = { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) }
  const encryptionKeys = env['CACHE_ENCRYPTION_KEYS']?.trim()
  if (encryptionKeys) {
    const keys: Record<string, string> = {}
    for (const pair of encryptionKeys.split(',')) {
      const colon = pair.indexOf(':')
      if (colon <= 0) throw new ConfigError('CACHE_ENCRYPTION_KEYS must be id:base64key pairs separated by commas, e.g. k1:<openssl rand -base64 32>')
      keys[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim()
    }
    const current = env['CACHE_ENCRYPTION_KEY_ID']?.trim() || Object.keys(keys).at(-1) || ''
    redis.encryption = { keys, current, allowPlaintext: envBoolean(env, 'CACHE_ENCRYPTION_ALLOW_PLAINTEXT') ?? false }
  }
  if (Object.keys(redis).length > 0) options.redis = redis
  return options as CacheOptions
}
