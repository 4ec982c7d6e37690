import { createHash } from 'node:crypto'
import { createKeyring, type EncryptionOptions } from '../codec/encryption.js'
import { decodeEntry, encodeEntry, frameEntry, type CodecOptions, type EncodedValue } from '../codec/envelope.js'
import { decodePlainJson, encodePlainJson } from '../codec/plain-json.js'
import { parseDuration, type Duration } from '../config/duration.js'
import { CacheError, ConfigError, errors, isCacheError } from '../errors.js'
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from '../resilience/circuit-breaker.js'
import { HealthMonitor } from '../resilience/health-monitor.js'
import { withTimeout } from '../resilience/timeout.js'
import { GetBatcher } from './get-batcher.js'
import { ReconnectGaveUp, ReconnectPolicy } from './reconnect-policy.js'
import type { RedisConnectionOptions } from './redis-connection.js'
import { describeTarget, openRedisLink, topologyOf, type RedisArg, type RedisLink, type RedisNodeLink, type RedisTopology } from './redis-link.js'
import { mergeInfo, parseInfo } from './redis-info-fields.js'
import { ADD_TO_SET, INCR_WITH_TTL, RELEASE_LOCK, SET_IF_STRING, TAKE_SET } from './redis-scripts.js'
import type { ScanOptions, Store, StoredEntry } from './store.js'

/** Options of the Redis store. */
export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Longest any one Redis operation may take before the cache falls back. @default '250ms' */
  readonly operationTimeout?: Duration
  /** Largest entry, in encoded bytes; larger values are not cached. @default 1 MiB */
  readonly maxEntryBytes?: number
  /** Entries at least this many bytes are deflated (when it saves 10%). @default 4096 */
  readonly compressThreshold?: number
  /**
   * How often a PING checks the connection; two failures in a row replace it
   * (a half-open connection is never reported by the socket). 0 turns it off. @default '30s'
   */
  readonly healthCheckInterval?: Duration
  /** Encrypt values at rest (AES-256-GCM, named keys for rotation). */
  readonly encryption?: EncryptionOptions
  /**
   * How values are written: `envelope` (a header with freshness and grace, tagged JSON for Dates,
   * BigInt, Map..., compression, encryption) or `json` (the plain JSON other programs read and
   * write, freshness in the key's Redis TTL; see codec/plain-json.ts). @default 'envelope'
   */
  readonly codec?: 'envelope' | 'json'
  /** When to stop calling a failing Redis. @default { failureThreshold: 5, openMs: 1000 } */
  readonly breaker?: Omit<CircuitBreakerOptions, 'onStateChange' | 'isFailure'>
}

type ScanReply = [Buffer | string, Array<Buffer | string>]

/** An entry with the number of bytes it took in Redis. */
export interface SizedEntry {
  readonly entry: StoredEntry
  readonly size: number
}

/** Hooks the engine passes in to count and log what the store sees. */
export interface StoreEvents {
  /** An unreadable value was found under `key` (and is being deleted). */
  onCorrupt?(key: string): void
  /** A connection-level error (reconnects, auth failures). */
  onConnectionError?(error: unknown): void
  /** The circuit breaker changed state. */
  onBreakerChange?(state: BreakerState): void
}

/** A server's refusal of a connection's credentials or rights, by its error code. */
const AUTH_REFUSAL = /\b(WRONGPASS|NOAUTH|NOPERM)\b/

/**
 * Redis through node-redis (one server, a Cluster, or a master found through
 * Sentinel): every call is bounded by `operationTimeout`, none is queued while
 * disconnected, and a circuit breaker stops calls to a Redis that keeps
 * failing. GETs issued in the same tick are sent as one MGET (split by slot in
 * a cluster), and other commands of one tick share one write (node-redis
 * pipelines them), so concurrent callers cost one round trip.
 */
export class RedisStore implements Store {
  readonly kind = 'redis'
  /** Where the store connects, without passwords. */
  readonly target: string
  readonly topology: RedisTopology
  readonly ordersAcrossKeys: boolean
  private link: RedisLink | undefined
  /** Counts connections made; subscriptions belong to one (see {@link subscribe}). */
  private linkCount = 0
  private readonly monitor: HealthMonitor
  /** Reconnections made because health checks failed. */
  reconnects = 0
  private readonly timeoutMs: number
  private readonly codec: CodecOptions
  /** Values as plain JSON with their freshness in Redis's TTL (`codec: 'json'`). */
  private readonly plainJson: boolean
  private readonly breaker: CircuitBreaker
  private readonly scriptShas = new Map<string, string>()
  private closed = false
  /** Set while `close()` lets the commands in flight finish: new ones are refused. */
  private closing = false
  /** Set once the first connection was ready; from then on, a disconnected store fails fast. */
  private everReady = false
  /** The one wait for the first connection that every early caller shares. */
  private initialWait: Promise<void> | undefined
  /** How long calls made right after creation wait for the first connection. */
  private readonly connectTimeoutMs: number
  private readonly createdAt = Date.now()
  /** Set when a connect attempt failed before the first connection was ready: nobody waits any more. */
  private firstConnectFailed = false
  /** Why the server refused the last connection attempt, when it refused the credentials (WRONGPASS, NOAUTH, NOPERM). */
  private authRefusal: string | undefined
  /** Set when the connection ran out of `reconnect.maxAttempts`: the store stays down for good. */
  private gaveUp: ReconnectGaveUp | undefined
  /** One retry count for every connection this store opens (see ReconnectPolicy). */
  private readonly retries: ReconnectPolicy
  /** Commands issued and not settled: `close()` lets them finish (bounded), so a short script's writes land. */
  private inflight = 0
  /** Called when the last command in flight settles, while `close()` waits for it. */
  private drained: (() => void) | undefined
  /** Counts a command out (bound once: the hit path allocates no closure for it). */
  private readonly settled = (): void => {
    if (--this.inflight === 0) this.drained?.()
  }
  /** GETs of one tick, sent as one MGET (one server, Sentinel). */
  private readonly gets = new GetBatcher((keys) => this.command<Array<Buffer | null>>('MGET', keys, keys[0]))
  /**
   * Reads one raw value. A cluster refuses MGET across hash slots, so node-redis would split each
   * batch into one MGET per slot; plain GETs (pipelined per node) cost half the CPU, measured.
   */
  private readonly readRaw: (key: string) => Promise<Buffer | null>

  constructor(
    options: RedisStoreOptions = {},
    private readonly events: StoreEvents = {},
  ) {
    this.target = describeTarget(options)
    this.topology = topologyOf(options)
    this.ordersAcrossKeys = this.topology !== 'cluster'
    this.readRaw = this.topology === 'cluster' ? (key) => this.command<Buffer | null>('GET', [key], key) : (key) => this.gets.get(key)
    this.timeoutMs = parseDuration(options.operationTimeout ?? 250, 'redis.operationTimeout', 'timer')
    this.connectTimeoutMs = parseDuration(options.connectTimeout ?? 2000, 'redis.connectTimeout', 'timer')
    this.plainJson = options.codec === 'json'
    if (this.plainJson && options.encryption !== undefined) {
      throw new ConfigError("redis.encryption needs the default codec: codec 'json' stores plain JSON that other programs read")
    }
    this.codec = {
      maxEntryBytes: options.maxEntryBytes ?? 1024 * 1024,
      compressThreshold: options.compressThreshold ?? 4096,
      ...(options.encryption === undefined ? {} : { keyring: createKeyring(options.encryption) }),
    }
    this.breaker = new CircuitBreaker({
      ...options.breaker,
      isFailure: (error) => !isReplyError(error),
      onStateChange: (state) => events.onBreakerChange?.(state),
    })
    this.retries = new ReconnectPolicy(options, (error) => this.connectionError(error))
    this.connect(options)
    const interval = parseDuration(options.healthCheckInterval ?? '30s', 'redis.healthCheckInterval', 'timer')
    let notReadySince: number | undefined
    this.monitor = new HealthMonitor(
      interval,
      async () => {
        const link = this.link
        // Retries ran out on purpose (reconnect.maxAttempts): a new connection would undo that.
        if (this.gaveUp !== undefined) return
        if (link?.isReady) {
          notReadySince = undefined
          await withTimeout(link.send(['PING']), this.timeoutMs, 'redis health check PING')
          return
        }
        // A refused connection retries by itself; one whose handshake hangs (a half-open
        // peer accepted the TCP connect) never gives up, so it is replaced too.
        notReadySince ??= Date.now()
        if (Date.now() - notReadySince > interval) throw new Error('redis connection has not become ready')
      },
      () => {
        notReadySince = undefined // the new connection gets its own time to become ready
        this.replaceConnection(options)
      },
    )
    this.monitor.start()
  }

  /** A connection-level error: remembered when it explains an outage (a refused password, a give-up), then reported. */
  private connectionError(error: unknown): void {
    if (!this.everReady && !this.connected) this.firstConnectFailed = true
    if (error instanceof ReconnectGaveUp) this.gaveUp = error
    const message = error instanceof Error ? error.message : String(error)
    if (AUTH_REFUSAL.test(message)) this.authRefusal = message.split('\n', 1)[0]
    this.events.onConnectionError?.(error)
  }

  private connect(options: RedisStoreOptions): void {
    const onError = (error: unknown): void => this.connectionError(error)
    openRedisLink(options, onError, this.retries).then(
      (link) => {
        const previous = this.link
        this.link = link
        this.linkCount++
        if (previous !== undefined) previous.destroy()
        if (this.closed) void link.close()
      },
      onError,
    )
  }

  /** Drops a connection that stopped answering and opens a new one. */
  private replaceConnection(options: RedisStoreOptions): void {
    if (this.closed) return
    this.reconnects++
    this.events.onConnectionError?.(new Error('health checks failed twice; replacing the connection'))
    this.connect(options)
  }

  /** Entries at least this many bytes are stored deflated. */
  get compressThreshold(): number {
    return this.codec.compressThreshold
  }

  /** The circuit breaker's state. */
  get breakerState(): BreakerState {
    return this.breaker.state
  }

  /** True while connected and ready for commands. */
  get connected(): boolean {
    return this.link?.isReady ?? false
  }

  /** Resolves once the first connection is ready, a connect attempt failed, or connectTimeout has passed since creation. */
  private async firstConnection(): Promise<void> {
    while (!this.connected && !this.firstConnectFailed && !this.closed && Date.now() - this.createdAt < this.connectTimeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  /** Resolves true once Redis answers, or false after `timeoutMs` (the seeds' wait-for-redis). */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && !this.closed) {
      if (this.connected) return true
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))))
    }
    return this.connected
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    return (await this.getSized(key))?.entry
  }

  /** Like `get`, with the entry's encoded size (the tiered store budgets its L1 with it). */
  async getSized(key: string): Promise<SizedEntry | undefined> {
    // Batched with the other GETs of this tick into one MGET. A set or hash under our key
    // comes back nil (MGET never answers WRONGTYPE): a miss, overwritten by the next write.
    return this.decode(key, await this.readRaw(key))
  }

  async mget(keys: readonly string[]): Promise<Array<StoredEntry | undefined>> {
    return (await this.mgetSized(keys)).map((sized) => sized?.entry)
  }

  /** Like `mget`, with encoded sizes. */
  async mgetSized(keys: readonly string[]): Promise<Array<SizedEntry | undefined>> {
    if (keys.length === 0) return []
    const replies = await this.command<Array<Buffer | null>>('MGET', keys, keys[0])
    return replies.map((reply, index) => this.decode(keys[index] as string, reply))
  }

  async set(key: string, entry: StoredEntry): Promise<void> {
    await this.write(key, this.setArgs(key, entry))
  }

  async mset(items: ReadonlyArray<readonly [string, StoredEntry]>): Promise<void> {
    // Encode all first: a value that cannot be stored fails the call before anything is sent.
    const writes = items.map(([key, entry]) => [key, this.setArgs(key, entry)] as const)
    if (this.plainJson) await Promise.all(writes.map(([key, args]) => this.write(key, args)))
    else await this.guard('MSET', (link) => Promise.all(writes.map(([key, args]) => link.send(args === undefined ? ['DEL', key] : ['SET', ...args], key))))
  }

  /** SETs an entry's arguments (a DEL when it cannot live); with the json codec, never over another program's hash, list or set. */
  private async write(key: string, args: [string, Buffer, ...string[]] | undefined): Promise<void> {
    if (args === undefined) await this.command('DEL', [key], key)
    else if (this.plainJson) await this.script(SET_IF_STRING, [key], args.slice(1))
    else await this.command('SET', args, key)
  }

  async setIfAbsent(key: string, entry: StoredEntry): Promise<boolean> {
    const args = this.setArgs(key, entry)
    // A marker that cannot live is never present: the key counts as new (as in memory).
    if (args === undefined) return true
    const reply = await this.command<Buffer | string | null>('SET', [...args, 'NX'], key)
    return reply !== null
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0
    return this.command<number>('UNLINK', keys, keys[0])
  }

  async incr(key: string, by: number, ttlMs = 0): Promise<number> {
    const reply = await this.script<number>(INCR_WITH_TTL, [key], [String(by), String(Math.max(0, Math.ceil(ttlMs)))])
    return Number(reply)
  }

  async addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    if (members.length === 0) return
    await this.script(ADD_TO_SET, [key], [String(Math.max(1, Math.ceil(ttlMs))), ...members])
  }

  async acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.command<unknown>('SET', [key, token, 'NX', 'PX', String(Math.max(1, Math.ceil(ttlMs)))], key)) !== null
  }

  async releaseLock(key: string, token: string): Promise<void> {
    await this.script(RELEASE_LOCK, [key], [token])
  }

  async takeSet(key: string): Promise<string[]> {
    const reply = await this.script<Array<Buffer | string>>(TAKE_SET, [key], [])
    return reply.map((member) => member.toString())
  }

  async *scan(pattern: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    const count = String(options.count ?? 500)
    // A cluster's keys are spread over its masters: each one is scanned in turn.
    for (const node of await this.masters()) {
      let cursor = '0'
      do {
        const [next, keys] = await this.onNode<ScanReply>(node, 'SCAN', [cursor, 'MATCH', pattern, 'COUNT', count])
        cursor = next.toString()
        if (keys.length > 0) yield keys.map((key) => key.toString())
      } while (cursor !== '0')
    }
  }

  /**
   * One page of keys. A cluster's cursor is `<master>.<cursor>` past the first
   * master (a single server's is Redis's own); '0' starts and ends the walk.
   */
  async scanPage(pattern: string, cursor: string, count: number): Promise<{ keys: string[]; cursor: string }> {
    const nodes = await this.masters()
    const dot = cursor.indexOf('.')
    const index = dot === -1 ? 0 : Number(cursor.slice(0, dot))
    const node = nodes[index]
    if (node === undefined) return { keys: [], cursor: '0' }
    const [next, keys] = await this.onNode<ScanReply>(node, 'SCAN', [dot === -1 ? cursor : cursor.slice(dot + 1), 'MATCH', pattern, 'COUNT', String(count)])
    const nodeCursor = next.toString()
    const following = nodeCursor !== '0' ? (index === 0 ? nodeCursor : `${index}.${nodeCursor}`) : index + 1 < nodes.length ? `${index + 1}.0` : '0'
    return { keys: keys.map((key) => key.toString()), cursor: following }
  }

  async describe(keys: readonly string[]): Promise<Array<{ ttlMs: number; bytes: number } | undefined>> {
    // Sent together, so node-redis pipelines them: one round trip for the page.
    const replies = await Promise.all(keys.flatMap((key) => [this.command<number>('PTTL', [key], key), this.command<number>('STRLEN', [key], key).catch(() => 0)]))
    return keys.map((_, index) => {
      const ttl = Number(replies[index * 2])
      return ttl === -2 ? undefined : { ttlMs: ttl, bytes: Number(replies[index * 2 + 1]) }
    })
  }

  /**
   * PUBLISH under the breaker, bounded by `timeoutMs` or the operation timeout,
   * whichever is longer: the bus gives its messages longer, since no caller waits on them.
   */
  async publish(channel: string, message: string, timeoutMs = 0): Promise<void> {
    await this.guard('PUBLISH', (link) => link.publish(channel, message), Math.max(timeoutMs, this.timeoutMs))
  }

  /**
   * Subscribes on the current connection and resolves with its generation.
   * node-redis resubscribes after reconnects; a replaced connection (see
   * `healthCheckInterval`) has a new generation and needs a new subscribe.
   */
  async subscribe(channel: string, listener: (message: string) => void): Promise<number> {
    let generation = Number.NaN
    await this.guard('SUBSCRIBE', (link) => {
      // The generation of the connection subscribed on, read when it is used: a cache subscribed
      // right after it was created waits for its first connection, which is generation 1, not 0.
      generation = this.linkCount
      return link.subscribe(channel, listener)
    })
    return generation
  }

  /** Changes when the connection is replaced. */
  get generation(): number {
    return this.linkCount
  }

  /** Redis DUMP of each key with its remaining TTL in ms (-1: none); absent keys are left out. For backups and moves. */
  async dump(keys: readonly string[]): Promise<Array<{ key: string; ttlMs: number; payload: Buffer }>> {
    const replies = await Promise.all(keys.flatMap((key) => [this.command<Buffer | null>('DUMP', [key], key), this.command<number>('PTTL', [key], key)]))
    return keys.flatMap((key, index) => {
      const payload = replies[index * 2] as Buffer | null
      const ttlMs = Number(replies[index * 2 + 1])
      return payload === null || ttlMs === -2 ? [] : [{ key, ttlMs, payload }]
    })
  }

  /** Redis RESTORE of a DUMP payload with its remaining TTL (0 or less: no TTL), replacing what is there. */
  async restore(key: string, ttlMs: number, payload: Buffer): Promise<void> {
    await this.command('RESTORE', [key, String(Math.max(0, Math.round(ttlMs))), payload, 'REPLACE'], key)
  }

  /**
   * Redis `INFO` as name/value pairs (sections memory, stats, clients, persistence,
   * server, keyspace); for a cluster, summed over its masters (see mergeInfo).
   */
  async info(): Promise<Record<string, string>> {
    const nodes = await this.masters()
    const replies = await Promise.all(nodes.map((node) => this.onNode<Buffer | string>(node, 'INFO', [])))
    return mergeInfo(replies.map((reply) => parseInfo(reply.toString())))
  }

  async ping(): Promise<number> {
    const started = performance.now()
    await this.command('PING', [])
    return performance.now() - started
  }

  async close(): Promise<void> {
    if (this.closed || this.closing) return
    this.closing = true
    // Commands already issued (a write a script did not await) finish first, within what one
    // can still take: what is left of the first connection's wait, and one operation timeout.
    if (this.inflight > 0) {
      const firstWaitLeft = this.everReady ? 0 : Math.max(0, this.createdAt + this.connectTimeoutMs - Date.now())
      let timer: NodeJS.Timeout | undefined
      await new Promise<void>((resolve) => {
        this.drained = resolve
        timer = setTimeout(resolve, firstWaitLeft + this.timeoutMs)
      })
      clearTimeout(timer)
    }
    this.closed = true
    this.monitor.stop()
    if (this.link !== undefined) await this.link.close()
  }

  /**
   * Runs a raw command under the timeout and breaker (for health and admin tools).
   * In a cluster it goes to the node owning `firstKey`, or to any node without one.
   */
  async command<T>(name: string, args: readonly RedisArg[], firstKey?: string): Promise<T> {
    return this.guard(name, (link) => link.send([name, ...args], firstKey)) as Promise<T>
  }

  /** Every master (the one server, unless this is a cluster), in a stable order. */
  private async masters(): Promise<RedisNodeLink[]> {
    const nodes = await this.guard('CLUSTER SHARDS', (link) => link.masters())
    return nodes.sort((a, b) => a.address.localeCompare(b.address))
  }

  /** A command for one particular node, under the same timeout and breaker. */
  private onNode<T>(node: RedisNodeLink, name: string, args: readonly RedisArg[]): Promise<T> {
    return this.guard(name, () => node.send([name, ...args])) as Promise<T>
  }

  private guard<T>(what: string, operation: (link: RedisLink) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.closed || this.closing) return Promise.reject(new CacheError(errors.E_CACHE_CLOSED, 'the cache is closed'))
    const running = this.run(what, operation, timeoutMs)
    this.inflight++
    // Both outcomes handled: this derived promise never rejects.
    void running.then(this.settled, this.settled)
    return running
  }

  private async run<T>(what: string, operation: (link: RedisLink) => Promise<T>, timeoutMs: number): Promise<T> {
    // A cache used right after it was created waits (up to connectTimeout) for its first
    // connection, instead of sending its first calls to the origin; a failed connect ends the wait.
    if (!this.everReady && !this.connected) await (this.initialWait ??= this.firstConnection())
    return this.breaker.run(() => {
      const link = this.link
      if (link === undefined || !link.isReady) {
        // A refused password is not an outage: say so, so nobody looks for a network problem.
        const why =
          this.authRefusal !== undefined
            ? `: the server refused the credentials (${this.authRefusal}); check the user and password in the URL`
            : this.gaveUp !== undefined
              ? `: ${this.gaveUp.message}`
              : ''
        return Promise.reject(new CacheError(errors.E_STORE_UNAVAILABLE, `redis at ${this.target} is not connected${why}`))
      }
      this.everReady = true
      this.authRefusal = undefined
      return withTimeout(operation(link), timeoutMs, `redis ${what}`)
    })
  }

  /** Writes a value stringified already (the tiered store's L1 copy), with the entry's times. */
  async setEncoded(key: string, encoded: EncodedValue, times: Pick<StoredEntry, 'freshUntil' | 'expiresAt'>): Promise<void> {
    if (this.plainJson) throw new ConfigError("codec 'json' works with the redis store, not tiered: other programs' writes would never reach an L1")
    await this.write(key, this.argsFor(key, frameEntry(encoded, times, this.codec), times.expiresAt))
  }

  private setArgs(key: string, entry: StoredEntry): [string, Buffer, ...string[]] | undefined {
    // Plain JSON carries no grace: the key lives exactly as long as the entry is fresh.
    if (this.plainJson) return this.argsFor(key, encodePlainJson(entry.value, this.codec.maxEntryBytes), entry.freshUntil)
    return this.argsFor(key, encodeEntry(entry, this.codec), entry.expiresAt)
  }

  private argsFor(key: string, bytes: Buffer, expiresAt: number): [string, Buffer, ...string[]] | undefined {
    if (!Number.isFinite(expiresAt)) return [key, bytes]
    const ttl = Math.ceil(expiresAt - Date.now())
    return ttl > 0 ? [key, bytes, 'PX', String(ttl)] : undefined
  }

  private decode(key: string, reply: Buffer | string | null | undefined): SizedEntry | undefined {
    if (reply === null || reply === undefined) return undefined
    try {
      const bytes = typeof reply === 'string' ? Buffer.from(reply) : reply
      return { entry: this.plainJson ? decodePlainJson(bytes) : decodeEntry(bytes, this.codec.keyring), size: bytes.length }
    } catch (error) {
      if (!isCacheError(error, errors.E_CORRUPT_ENTRY)) throw error
      this.events.onCorrupt?.(key)
      // A key shared with other programs (json codec) is theirs too: a miss, never a delete.
      if (!this.plainJson) this.command('UNLINK', [key], key).catch(() => undefined)
      return undefined
    }
  }

  /** EVALSHA with a fallback to EVAL when the server has not seen the script (restart, failover). */
  private async script<T>(source: string, keys: readonly string[], args: readonly RedisArg[]): Promise<T> {
    let sha = this.scriptShas.get(source)
    if (sha === undefined) {
      sha = createHash('sha1').update(source).digest('hex')
      this.scriptShas.set(source, sha)
    }
    const tail = [String(keys.length), ...keys, ...args]
    try {
      return await this.command<T>('EVALSHA', [sha, ...tail], keys[0])
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return this.command<T>('EVAL', [source, ...tail], keys[0])
    }
  }
}

/** True for an error the Redis server replied with (WRONGTYPE, OOM, NOPERM...): the server is alive. */
export function isReplyError(error: unknown): error is Error {
  for (let proto: unknown = error; proto !== null && proto !== undefined; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'ErrorReply') return true
  }
  return false
}
