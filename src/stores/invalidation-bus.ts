import { randomUUID } from 'node:crypto'

/** How the bus reaches Redis (the Redis store implements it). */
export interface BusTransport {
  publish(channel: string, message: string): Promise<unknown>
  /** Subscribes on the current connection; resolves with that connection's generation. */
  subscribe(channel: string, listener: (message: string) => void): Promise<number>
  /** Changes whenever the connection is replaced (its subscriptions are gone then). */
  readonly generation: number
  /** False until the first connection is up, and while it is down. */
  readonly connected: boolean
}

/** What the bus does to the L1 it guards. */
export interface BusTarget {
  /** Another instance wrote or deleted these keys. */
  evict(keys: readonly string[]): void
  /** Something may have been missed: drop every entry. */
  flush(): void
}

export interface InvalidationBusOptions {
  /** The pub/sub channel every instance sharing the key prefix uses. */
  readonly channel: string
  /** How often each instance says it is alive (and checks its own echo). */
  readonly heartbeatMs: number
}

/**
 * What crosses the channel: the sender, and the keys it changed with their
 * message number; a heartbeat has no keys and repeats the number of the sender's
 * last key message, so a lost heartbeat is no gap but a lost announcement is.
 */
interface BusMessage {
  readonly i: string
  readonly s: number
  readonly k?: readonly string[]
}

/** How often a bus without a connection looks for one (it starts before the store has connected). */
const CONNECT_POLL_MS = 20
/** Heartbeats missed in a row before the bus counts as lost. */
const LOST_AFTER_BEATS = 3
/** A peer silent for this many heartbeats is forgotten (it stopped, or restarts under a new id). */
const FORGET_AFTER_BEATS = 30
/** Our failed publishes remembered; past this, forgetting them costs at most one needless flush of our own L1. */
const REMEMBERED_UNSENT = 10_000

/**
 * Keeps the L1 copies of many instances coherent over one Redis pub/sub channel.
 * A write, delete or invalidation announces its keys after Redis has them; the
 * other instances drop their copies. Each instance numbers its messages and
 * sends a heartbeat every `heartbeatMs`, so a message lost anywhere (a dropped
 * subscription, a failed publish) shows as a gap in the numbers, and a dead
 * subscription as a missing echo of one's own heartbeat. Either way the L1 is
 * flushed, and while the bus is lost it is not used at all: an instance never
 * serves a copy a peer may have invalidated in a message it did not get.
 */
export class InvalidationBus {
  readonly id = randomUUID()
  /** Times a message was found missing (a gap in a sender's numbers) or the bus lost (no echo). */
  losses = 0
  private synced = false
  /** Number of this instance's last key message. */
  private sequence = 0
  /** Our key messages whose publish failed: a gap in our own echo made of these lost nothing of anyone else's. */
  private readonly unsent = new Set<number>()
  private lastEcho = 0
  private lastBeat = Date.now()
  private subscribedGeneration = Number.NaN
  private subscribing = false
  private pending: string[] = []
  /** Settles when the message of the keys in `pending` was published (or failed to be). */
  private sent: Promise<void> = Promise.resolve()
  private readonly peers = new Map<string, { sequence: number; at: number }>()
  private timer: NodeJS.Timeout | undefined
  private retry: NodeJS.Timeout | undefined

  constructor(
    private readonly transport: BusTransport,
    private readonly target: BusTarget,
    private readonly options: InvalidationBusOptions,
  ) {}

  /** True while every message is known to have arrived: L1 may be used. */
  get inSync(): boolean {
    return this.synced
  }

  /** Instances heard from recently (this one included, once its echo arrived). */
  get peerCount(): number {
    return this.peers.size
  }

  start(): void {
    this.beat()
    this.timer = setInterval(() => this.beat(), this.options.heartbeatMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    clearTimeout(this.retry)
    this.synced = false
  }

  /**
   * Tells the other instances these keys changed; the keys of one tick go out
   * as one message. Resolves once Redis has taken the message (it delivers to
   * subscribers before it answers), or failed to: then the gap in the numbers
   * makes every peer flush its L1. Never rejects.
   */
  announce(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve()
    if (this.pending.length === 0) this.sent = new Promise((resolve) => setImmediate(() => resolve(this.sendPending())))
    for (const key of keys) this.pending.push(key)
    return this.sent
  }

  private sendPending(): Promise<void> {
    const keys = this.pending
    this.pending = []
    return this.send(keys)
  }

  private send(keys?: readonly string[]): Promise<void> {
    if (keys === undefined) {
      return this.transport.publish(this.options.channel, JSON.stringify({ i: this.id, s: this.sequence })).then(
        () => undefined,
        () => undefined,
      )
    }
    // The number is taken even if the publish fails: the gap tells every peer it missed something.
    const sequence = ++this.sequence
    return this.transport.publish(this.options.channel, JSON.stringify({ i: this.id, s: sequence, k: keys })).then(
      () => undefined,
      () => {
        if (this.unsent.size > REMEMBERED_UNSENT) this.unsent.clear()
        this.unsent.add(sequence)
      },
    )
  }

  private beat(): void {
    const now = Date.now()
    // A beat this late means our own event loop was blocked: the echo may be waiting unread in
    // the socket, so the subscription is judged on the next beat, not for our stall.
    const stalled = now - this.lastBeat > 2 * this.options.heartbeatMs
    this.lastBeat = now
    if (this.synced && !stalled && now - this.lastEcho > LOST_AFTER_BEATS * this.options.heartbeatMs) this.lose()
    for (const [peer, seen] of this.peers) if (now - seen.at > FORGET_AFTER_BEATS * this.options.heartbeatMs) this.peers.delete(peer)
    // Without a connection, subscribing and heartbeats would only fail, and count against the
    // store's circuit breaker (a cache used right after it was created, before it connected).
    // L1 is unused until the bus is in sync, so look again soon rather than a heartbeat later.
    if (!this.transport.connected) {
      this.retry ??= setTimeout(() => {
        this.retry = undefined
        this.beat()
      }, CONNECT_POLL_MS).unref()
      return
    }
    if (this.transport.generation !== this.subscribedGeneration) {
      // A new connection (or a bus found lost): messages may have gone missing until the new
      // subscription hears our own heartbeat, so L1 is not used until then.
      if (this.synced) this.lose()
      this.subscribe()
    }
    this.send()
  }

  private subscribe(): void {
    if (this.subscribing) return
    this.subscribing = true
    this.transport
      .subscribe(this.options.channel, (raw) => this.receive(raw))
      .then(
        (generation) => {
          this.subscribedGeneration = generation
          this.send() // its echo brings the bus in sync now, not a heartbeat later
        },
        () => undefined, // tried again on the next heartbeat
      )
      .finally(() => {
        this.subscribing = false
      })
  }

  private receive(raw: string): void {
    const message = parseMessage(raw)
    if (message === undefined) return
    const now = Date.now()
    const previous = this.peers.get(message.i)
    // One sender's messages arrive in order on one channel; an older number is a stale duplicate.
    if (previous !== undefined && message.s < previous.sequence) return
    this.peers.set(message.i, { sequence: message.s, at: now })
    // Numbers missing before this message: a key message is numbered one more than the last,
    // a heartbeat repeats the last.
    const firstMissing = previous === undefined ? Number.POSITIVE_INFINITY : previous.sequence + 1
    const lastMissing = message.k === undefined ? message.s : message.s - 1
    if (lastMissing >= firstMissing && !(message.i === this.id && this.allUnsent(firstMissing, lastMissing))) {
      // This subscription missed a message (ours skipping, unless we never sent it, means it missed everyone's).
      this.losses++
      this.flush()
    }
    if (message.i === this.id) {
      this.lastEcho = now
      if (!this.synced) {
        // Back in sync from here on; what came before may be missing, so start empty.
        this.flush()
        this.synced = true
      }
      return
    }
    if (message.k !== undefined && message.k.length > 0) this.target.evict(message.k)
  }

  /** True when our own numbers `first` to `last` all failed to publish; forgets them. */
  private allUnsent(first: number, last: number): boolean {
    let all = true
    for (let missing = first; missing <= last; missing++) all = this.unsent.delete(missing) && all
    return all
  }

  /** The subscription is dead or new: flush, stop using L1, and subscribe afresh on the next heartbeat. */
  private lose(): void {
    this.losses++
    this.flush()
    this.synced = false
    this.subscribedGeneration = Number.NaN
  }

  private flush(): void {
    this.target.flush()
  }
}

function parseMessage(raw: string): BusMessage | undefined {
  try {
    const message = JSON.parse(raw) as Partial<BusMessage>
    if (typeof message.i !== 'string' || typeof message.s !== 'number') return undefined
    if (message.k !== undefined && !(Array.isArray(message.k) && message.k.every((key) => typeof key === 'string'))) return undefined
    return message as BusMessage
  } catch {
    return undefined
  }
}
