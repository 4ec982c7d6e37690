import type * as Redis from 'redis'
import { parseDuration } from '../config/duration.js'
import { ConfigError } from '../errors.js'
import { redactUrl } from '../log/redact.js'
import { DEFAULT_REDIS_URL, type RedisConnectionOptions } from './redis-connection.js'
import { ReconnectPolicy } from './reconnect-policy.js'

/** Which of Redis's deployment modes a link talks to. */
export type RedisTopology = 'standalone' | 'cluster' | 'sentinel'

/** One argument of a command: text or binary. */
export type RedisArg = string | Buffer

/** A single server of the deployment (a cluster master, or the one master). */
export interface RedisNodeLink {
  /** `host:port` */
  readonly address: string
  send(args: readonly RedisArg[]): Promise<unknown>
}

/**
 * The one shape the Redis store talks to, whatever the deployment: a single
 * server, a cluster (node-redis routes by key, follows MOVED/ASK and splits
 * MGET/UNLINK by slot) or a master found through Sentinel (node-redis follows
 * failovers). Replies keep bulk strings as Buffers.
 */
export interface RedisLink {
  readonly topology: RedisTopology
  readonly isReady: boolean
  /** Sends one command; in a cluster it goes to the node owning `firstKey` (any node without one). */
  send(args: readonly RedisArg[], firstKey?: string): Promise<unknown>
  /** Every master, for commands that must reach all data (SCAN, INFO). */
  masters(): Promise<RedisNodeLink[]>
  /**
   * Subscribes to a channel on a fresh subscription (an earlier one to it is dropped first,
   * so a dead one can be replaced); node-redis resubscribes after reconnects.
   */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>
  /**
   * Publishes to a channel. In a cluster through sharded pub/sub (SPUBLISH), so every
   * message of the channel passes through one node and arrives in the order it was sent.
   */
  publish(channel: string, message: string): Promise<unknown>
  /** Polite shutdown (QUIT), bounded by `waitMs`, then a hard one. */
  close(waitMs?: number): Promise<void>
  /** Drops every connection at once. */
  destroy(): void
}

/** Replies come back as Buffers so binary envelopes survive. */
const BUFFER_REPLIES = { typeMapping: { 36: Buffer } } as const

/** The deployment these options describe: `nodes` is a cluster, `sentinels` is Sentinel. */
export function topologyOf(options: RedisConnectionOptions): RedisTopology {
  const cluster = (options.nodes?.length ?? 0) > 0
  const sentinel = (options.sentinels?.length ?? 0) > 0
  if (cluster && sentinel) throw new ConfigError('redis.nodes and redis.sentinels are both set: give nodes for a Redis Cluster or sentinels for Sentinel, not both')
  return cluster ? 'cluster' : sentinel ? 'sentinel' : 'standalone'
}

/** Where the link goes, without passwords, for logs and health output. */
export function describeTarget(options: RedisConnectionOptions): string {
  switch (topologyOf(options)) {
    case 'cluster':
      return `cluster ${(options.nodes ?? []).map(redactUrl).join(',')}`
    case 'sentinel':
      return `sentinel ${options.name ?? 'mymaster'} via ${(options.sentinels ?? []).map(redactUrl).join(',')}`
    case 'standalone':
      return redactUrl(options.url ?? DEFAULT_REDIS_URL)
  }
}

/** The URL whose scheme (TLS or not) and credentials the data connections use. */
export function dataUrlOf(options: RedisConnectionOptions): string {
  switch (topologyOf(options)) {
    case 'cluster':
      return options.nodes?.[0] ?? DEFAULT_REDIS_URL
    case 'sentinel':
      return options.url ?? options.sentinels?.[0] ?? DEFAULT_REDIS_URL
    case 'standalone':
      return options.url ?? DEFAULT_REDIS_URL
  }
}

/**
 * Opens a link that never queues commands while disconnected (they fail at
 * once, so callers fall back to the origin) and reconnects with capped, jittered
 * backoff, forever unless `reconnect.maxAttempts` says otherwise. Connection errors go to `onError`; the link is
 * usable once `isReady` is true.
 */
export async function openRedisLink(options: RedisConnectionOptions, onError: (error: unknown) => void, reconnects = new ReconnectPolicy(options, onError)): Promise<RedisLink> {
  const topology = topologyOf(options)
  const redis = await import('redis')
  if (topology === 'cluster') return clusterLink(redis, options, reconnects, onError)
  if (topology === 'sentinel') return sentinelLink(redis, options, reconnects, onError)
  return standaloneLink(redis, options, reconnects, onError)
}

type RedisModule = typeof Redis

/** Client settings every connection of every topology shares. */
function clientDefaults(options: RedisConnectionOptions, url: string, reconnects: ReconnectPolicy) {
  const tls = url.startsWith('rediss://') ? { tls: true as const, ...options.tls } : {}
  return {
    name: options.clientName ?? 'mcp-cache',
    disableOfflineQueue: true,
    // No per-command timer of the client's own: every call is bounded by our operation timeout
    // already, and its default made an AbortSignal per command (about 9% of a miss, measured).
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: parseDuration(options.connectTimeout ?? 2000, 'redis.connectTimeout', 'timer'),
      keepAlive: true,
      noDelay: true,
      // By default never give up: an outage ends, and we want to be back when it does.
      reconnectStrategy: reconnects.strategy,
      ...tls,
    },
  }
}

/** User, password and database carried by a URL, as client options. */
function credentialsOf(url: string): { username?: string; password?: string; database?: number } {
  const parsed = new URL(url)
  const database = Number(parsed.pathname.slice(1))
  return {
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.pathname.length > 1 && Number.isInteger(database) ? { database } : {}),
  }
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port || 6379) }
}

/**
 * Connects, and keeps trying until it succeeds or `stopped()` says the link was closed: a single
 * client retries its first connect by itself, but a cluster whose seeds are all down, or a
 * sentinel group that does not answer, rejects and gives up.
 */
function startConnecting(client: { connect(): Promise<unknown>; isOpen: boolean; destroy(): void }, reconnects: ReconnectPolicy, stopped: () => boolean, onError: (error: unknown) => void): void {
  client.connect().then(() => {
    // Closed while connecting: node-redis still finishes the connect it had begun (its socket
    // would keep the process alive), so it is closed once it has.
    if (stopped()) destroyQuietly(client)
  }, (error: unknown) => {
    if (stopped()) return
    onError(error)
    if (client.isOpen) return // still retrying by itself
    const delay = reconnects.next()
    if (typeof delay !== 'number') return // gave up for good (and said so)
    setTimeout(() => {
      if (!stopped() && !client.isOpen) startConnecting(client, reconnects, stopped, onError)
    }, delay).unref()
  })
}

/** Closes a client at once, whatever state it is in. */
function destroyQuietly(client: { destroy(): void }): void {
  try {
    client.destroy()
  } catch {
    // already closed
  }
}

interface RawClient {
  readonly isReady: boolean
  readonly isOpen: boolean
  sendCommand(args: readonly RedisArg[], options?: object): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  duplicate(): RawClient
  connect(): Promise<unknown>
  close(): Promise<unknown>
  destroy(): void
  on(event: 'error', listener: (error: unknown) => void): unknown
  on(event: 'ready', listener: () => void): unknown
}

function standaloneLink(redis: RedisModule, options: RedisConnectionOptions, reconnects: ReconnectPolicy, onError: (error: unknown) => void): RedisLink {
  const url = options.url ?? DEFAULT_REDIS_URL
  const client = redis.createClient({ url, ...clientDefaults(options, url, reconnects) }) as unknown as RawClient
  client.on('error', onError)
  // Connected again: the next outage gets its own count of attempts.
  client.on('ready', () => reconnects.succeeded())
  let closed = false
  const stopped = () => closed
  startConnecting(client, reconnects, stopped, onError)
  let subscriber: RawClient | undefined
  const node: RedisNodeLink = { address: hostPortText(url), send: (args) => client.sendCommand(args, BUFFER_REPLIES) }
  return {
    topology: 'standalone',
    get isReady() {
      return client.isReady
    },
    send: (args) => client.sendCommand(args, BUFFER_REPLIES),
    masters: () => Promise.resolve([node]),
    async subscribe(channel, listener) {
      // RESP2 connections that subscribe can do nothing else: pub/sub gets its own, new each
      // time, so a subscription that went quiet (a half-open socket) is replaced, not reused.
      subscriber?.destroy()
      const fresh = client.duplicate()
      subscriber = fresh
      fresh.on('error', onError)
      startConnecting(fresh, reconnects, () => closed || subscriber !== fresh, onError)
      await fresh.subscribe(channel, listener)
    },
    publish: (channel, message) => client.sendCommand(['PUBLISH', channel, message]),
    close(waitMs) {
      closed = true
      return closeAll([client, subscriber], waitMs)
    },
    destroy() {
      closed = true
      client.destroy()
      subscriber?.destroy()
    },
  }
}

interface RawCluster {
  readonly isReady: boolean
  readonly isOpen: boolean
  readonly masters: ReadonlyArray<{ readonly address: string }>
  nodeClient(node: { readonly address: string }): Promise<RawClient>
  sendCommand(firstKey: string | undefined, isReadonly: boolean, args: readonly RedisArg[], options?: object): Promise<unknown>
  sSubscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  sUnsubscribe(channel: string): Promise<unknown>
  connect(): Promise<unknown>
  close(): Promise<unknown>
  destroy(): void
  on(event: 'error', listener: (error: unknown) => void): unknown
}

function clusterLink(redis: RedisModule, options: RedisConnectionOptions, reconnects: ReconnectPolicy, onError: (error: unknown) => void): RedisLink {
  const seeds = options.nodes ?? []
  const first = seeds[0] ?? DEFAULT_REDIS_URL
  // Credentials of the first seed, or of redis.url when the seeds carry none.
  const fromSeed = credentialsOf(first)
  const { database: _ignored, ...credentials } = fromSeed.password === undefined && options.url !== undefined ? credentialsOf(options.url) : fromSeed
  const { commandOptions, ...connection } = clientDefaults(options, first, reconnects)
  const defaults = { ...connection, ...credentials }
  const cluster = redis.createCluster({
    rootNodes: seeds.map((url) => ({ url, ...defaults })),
    // Discovered nodes are reached with these (credentials and TLS of the first seed).
    defaults,
    // Command options are the cluster's own: set on the nodes they would be ignored.
    commandOptions,
    // Read and write on masters only: a replica may lag behind an invalidation.
    useReplicas: false,
  } as never) as unknown as RawCluster
  cluster.on('error', onError)
  let closed = false
  startConnecting(cluster, reconnects, () => closed, onError)
  return {
    topology: 'cluster',
    get isReady() {
      return cluster.isReady
    },
    // node-redis splits multi-key commands (MGET, UNLINK) by slot and joins the replies.
    send: (args, firstKey) => cluster.sendCommand(firstKey, false, args, BUFFER_REPLIES),
    async masters() {
      return Promise.all(
        cluster.masters.map(async (master) => {
          const client = await cluster.nodeClient(master)
          return { address: master.address, send: (args: readonly RedisArg[]) => client.sendCommand(args, BUFFER_REPLIES) }
        }),
      )
    },
    async subscribe(channel, listener) {
      // Sharded pub/sub: the channel lives on the node owning its slot. Classic PUBLISH would
      // go to any node, and one sender's messages could overtake each other on the way.
      await cluster.sUnsubscribe(channel).catch(() => undefined)
      await cluster.sSubscribe(channel, listener)
    },
    publish: (channel, message) => cluster.sendCommand(channel, false, ['SPUBLISH', channel, message]),
    close(waitMs) {
      closed = true
      return closeAll([cluster], waitMs)
    },
    destroy() {
      closed = true
      cluster.destroy()
    },
  }
}

interface RawSentinel {
  readonly isReady: boolean
  readonly isOpen: boolean
  sendCommand(isReadonly: boolean, args: readonly RedisArg[], options?: object): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  connect(): Promise<unknown>
  close(): Promise<unknown>
  destroy(): void
  on(event: 'error', listener: (error: unknown) => void): unknown
}

function sentinelLink(redis: RedisModule, options: RedisConnectionOptions, reconnects: ReconnectPolicy, onError: (error: unknown) => void): RedisLink {
  const sentinels = options.sentinels ?? []
  const first = sentinels[0] ?? DEFAULT_REDIS_URL
  const dataUrl = dataUrlOf(options)
  const { commandOptions, ...nodeDefaults } = clientDefaults(options, dataUrl, reconnects)
  const { database: _ignored, ...sentinelCredentials } = credentialsOf(first)
  const { commandOptions: _unused, ...sentinelDefaults } = clientDefaults(options, first, reconnects)
  const sentinel = redis.createSentinel({
    name: options.name ?? 'mymaster',
    sentinelRootNodes: sentinels.map(hostPort),
    // The master and replicas are reached with the credentials (and db) of redis.url, if given.
    nodeClientOptions: { ...nodeDefaults, ...(options.url === undefined ? {} : credentialsOf(options.url)) },
    sentinelClientOptions: { ...sentinelDefaults, ...sentinelCredentials },
    commandOptions,
    passthroughClientErrorEvents: true,
  } as never) as unknown as RawSentinel
  sentinel.on('error', onError)
  let closed = false
  startConnecting(sentinel, reconnects, () => closed, onError)
  return {
    topology: 'sentinel',
    get isReady() {
      return sentinel.isReady
    },
    send: (args) => sentinel.sendCommand(false, args, BUFFER_REPLIES),
    masters: () => Promise.resolve([{ address: 'sentinel master', send: (args: readonly RedisArg[]) => sentinel.sendCommand(false, args, BUFFER_REPLIES) }]),
    async subscribe(channel, listener) {
      await sentinel.unsubscribe(channel).catch(() => undefined)
      await sentinel.subscribe(channel, listener)
    },
    publish: (channel, message) => sentinel.sendCommand(false, ['PUBLISH', channel, message]),
    close(waitMs) {
      closed = true
      return closeAll([sentinel], waitMs)
    },
    destroy() {
      closed = true
      sentinel.destroy()
    },
  }
}

function hostPortText(url: string): string {
  const { host, port } = hostPort(url)
  return `${host}:${port}`
}

/** Closes clients without waiting on a frozen server: polite QUIT first, then destroy. */
async function closeAll(clients: ReadonlyArray<{ readonly isOpen: boolean; readonly isReady: boolean; close(): Promise<unknown>; destroy(): void } | undefined>, waitMs = 500): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      if (client === undefined) return
      if (!client.isReady) {
        // Still connecting (or retrying): nothing to say goodbye to. Stopped even before its socket
        // is open, which would otherwise open later and keep the process alive.
        destroyQuietly(client)
        return
      }
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs)
      })
      await Promise.race([client.close().catch(() => undefined), deadline])
      clearTimeout(timer)
      if (client.isOpen) client.destroy()
    }),
  )
}
