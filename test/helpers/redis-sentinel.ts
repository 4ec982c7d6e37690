/**
 * A throwaway Redis Sentinel setup for tests: one master, some replicas and
 * N sentinels monitoring them, all private `startRedisServer()` processes.
 *
 * Like redis-server.ts, nothing here uses the `redis` npm client (the harness
 * must keep working while the client code under test is broken): every
 * command goes through the raw RESP `sendCommand()`.
 *
 * Cost, measured on the 2-core test machine (Redis 7.0): master + 1 replica
 * + 3 sentinels are ready in ~2.2 s, almost all of it waiting for the
 * sentinels to find each other (hello messages go out every 2 s).
 * `failover()` takes 1.1-1.3 s until every sentinel names the new master and
 * it says role:master; `stop()` ~0.15 s. Without
 * `--repl-diskless-sync-delay 0` startup took ~7.2 s. After `killMaster()`,
 * sentinels named the replica as master in ~2.4 s (down-after 1 s).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { findFreePort, firstAnswer, sendCommand, sendCommandWithTimeout, startRedisServer, type RedisServerHandle } from './redis-server.js'

/** A running master/replicas/sentinels group owned by the calling process. */
export interface RedisSentinelHandle {
  /** The monitored master's name (`sentinel monitor <name> ...`). */
  readonly name: string
  /** `redis://127.0.0.1:<port>` of every sentinel. */
  readonly sentinelUrls: string[]
  /** The data nodes: the initial master first, then the replicas (roles change after a failover). */
  readonly servers: readonly RedisServerHandle[]
  readonly sentinelHandles: readonly RedisServerHandle[]
  /** The current master's URL, as the first answering sentinel reports it. */
  masterUrl(): Promise<string>
  /** `SENTINEL FAILOVER`; resolves with the new master's URL once every live sentinel names it and it says role:master. */
  failover(): Promise<string>
  /** SIGKILL the current master; resolves with its URL. */
  killMaster(): Promise<string>
  /** Stop sentinels first (so they do not react), then the data nodes (idempotent). */
  stop(): Promise<void>
}

export interface RedisSentinelOptions {
  /** Master name; default `mymaster`. */
  name?: string
  /** Sentinels; default 3 (quorum is 2, so at least 2 are needed for automatic failover). */
  sentinels?: number
  /** Replicas; default 1. */
  replicas?: number
  /** `down-after-milliseconds`; default 1000 so a killed master is noticed quickly. */
  downAfterMs?: number
  /** `failover-timeout`; default 5000. */
  failoverTimeoutMs?: number
  /** How long startup may take until every sentinel sees everything; default 20 s. */
  readyTimeoutMs?: number
}

const QUORUM = 2
const NO_SYNC_DELAY = ['--repl-diskless-sync-delay', '0']

/** Start master, replicas and sentinels; on any failure everything started is stopped before rethrowing. */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelHandle> {
  const name = options.name ?? 'mymaster'
  const sentinelCount = options.sentinels ?? 3
  const replicaCount = options.replicas ?? 1
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000)
  const servers: RedisServerHandle[] = []
  const sentinels: RedisServerHandle[] = []
  const confDirs: string[] = []
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await Promise.all(sentinels.map((s) => s.stop()))
    await Promise.all(servers.map((s) => s.stop()))
    await Promise.all(confDirs.map((d) => rm(d, { recursive: true, force: true })))
  }
  try {
    // Every data node may become master: skip the 5 s diskless-sync delay that
    // otherwise holds each replica's initial sync (and so startup) back.
    const master = await startRedisServer({ args: NO_SYNC_DELAY })
    servers.push(master)
    const replicaArgs = [...NO_SYNC_DELAY, '--replicaof', '127.0.0.1', String(master.port)]
    await startAll(replicaCount, () => startRedisServer({ args: replicaArgs }), servers)
    await Promise.all(servers.slice(1).map((r) => waitForLinkUp(r.url, deadline)))
    const conf = { name, masterPort: master.port, downAfterMs: options.downAfterMs ?? 1_000, failoverTimeoutMs: options.failoverTimeoutMs ?? 5_000 }
    await startAll(sentinelCount, async () => {
      const confDir = await mkdtemp(path.join(os.tmpdir(), 'mcp-cache-sentinel-'))
      confDirs.push(confDir)
      return startSentinel(confDir, conf)
    }, sentinels)
    await Promise.all(sentinels.map((s) => waitForSentinelView(s.url, name, `127.0.0.1:${master.port}`, replicaCount, sentinelCount, deadline)))
  } catch (error) {
    await stop()
    throw error
  }
  const sentinelUrls = sentinels.map((s) => s.url)
  const masterUrl = async (): Promise<string> => toUrl(await masterAddr(sentinelUrls, name))
  return {
    name, sentinelUrls, servers, sentinelHandles: sentinels, stop, masterUrl,
    async failover() {
      const before = await masterAddr(sentinelUrls, name)
      const reply = await firstAnswer(sentinelUrls, 'SENTINEL', 'FAILOVER', name)
      if (!reply.startsWith('+OK')) throw new Error(`SENTINEL FAILOVER ${name}: ${reply.trim()}`)
      return toUrl(await waitForNewMaster(sentinelUrls, name, before, Date.now() + 20_000))
    },
    async killMaster() {
      const url = await masterUrl()
      const server = servers.find((s) => s.url === url)
      if (server === undefined) throw new Error(`sentinels name ${url}, which is not one of this group's servers`)
      await server.kill()
      return url
    },
  }
}

/** Start `count` servers in parallel into `into`; waits for all before throwing, so none is left untracked. */
async function startAll(count: number, start: () => Promise<RedisServerHandle>, into: RedisServerHandle[]): Promise<void> {
  const results = await Promise.allSettled(Array.from({ length: count }, start))
  for (const r of results) if (r.status === 'fulfilled') into.push(r.value)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}

/**
 * Write a sentinel.conf (sentinels rewrite their config, so it must be a
 * writable file of their own) and run `redis-server <conf> --sentinel`.
 * startRedisServer's `--port/--bind/--dir` overrides are accepted in sentinel mode.
 */
async function startSentinel(
  confDir: string,
  conf: { name: string; masterPort: number; downAfterMs: number; failoverTimeoutMs: number },
): Promise<RedisServerHandle> {
  const port = await findFreePort()
  const file = path.join(confDir, 'sentinel.conf')
  await writeFile(file, [
    `port ${port}`,
    'bind 127.0.0.1',
    `sentinel monitor ${conf.name} 127.0.0.1 ${conf.masterPort} ${QUORUM}`,
    `sentinel down-after-milliseconds ${conf.name} ${conf.downAfterMs}`,
    `sentinel failover-timeout ${conf.name} ${conf.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${conf.name} 1`,
    'sentinel resolve-hostnames no',
    '',
  ].join('\n'))
  return startRedisServer({ config: file, port, args: ['--sentinel'] })
}

/** Poll a replica's INFO replication until `master_link_status:up` (initial sync done). */
async function waitForLinkUp(url: string, deadline: number): Promise<void> {
  let last = ''
  while (Date.now() < deadline) {
    last = await sendCommand(url, 'INFO', 'replication').catch((error: Error) => error.message)
    if (last.includes('master_link_status:up')) return
    await sleep(50)
  }
  throw new Error(`replica ${url} did not sync before the deadline:\n${last}`)
}

/**
 * Poll `INFO sentinel` until this sentinel reports the master at `address`
 * with status ok, `replicas` replicas and all `sentinels` (itself included).
 * Sentinels discover each other through hello messages published every 2 s.
 */
async function waitForSentinelView(url: string, name: string, address: string, replicas: number, sentinels: number, deadline: number): Promise<void> {
  const want = `name=${name},status=ok,address=${address},slaves=${replicas},sentinels=${sentinels}`
  let last = ''
  while (Date.now() < deadline) {
    last = await sendCommand(url, 'INFO', 'sentinel').catch((error: Error) => error.message)
    if (last.includes(want)) return
    await sleep(100)
  }
  throw new Error(`sentinel ${url} did not report "${want}" before the deadline (last:\n${last.trim()})`)
}

/**
 * Wait until every answering sentinel names a master other than `before`
 * and that node itself says `role:master`. Returns its `ip:port`.
 */
async function waitForNewMaster(sentinelUrls: string[], name: string, before: string, deadline: number): Promise<string> {
  let last = ''
  while (Date.now() < deadline) {
    const views = await Promise.all(sentinelUrls.map((url) => masterAddr([url], name).catch(() => undefined)))
    const named = views.filter((v): v is string => v !== undefined)
    const candidate = named[0]
    if (candidate !== undefined && candidate !== before && named.every((v) => v === candidate)) {
      const role = await sendCommandWithTimeout(toUrl(candidate), 1_000, 'INFO', 'replication').catch((error: Error) => error.message)
      if (role.includes('role:master')) return candidate
      last = `${candidate} says ${role.trim().split('\r\n')[1] ?? role}`
    } else {
      last = `sentinels name ${views.join(', ')}`
    }
    await sleep(100)
  }
  throw new Error(`no new master for ${name} (was ${before}) before the deadline (last: ${last})`)
}

/** `SENTINEL get-master-addr-by-name` from the first sentinel that answers, as `ip:port`. */
async function masterAddr(sentinelUrls: string[], name: string): Promise<string> {
  const errors: string[] = []
  for (const url of sentinelUrls) {
    try {
      const reply = await sendCommandWithTimeout(url, 1_000, 'SENTINEL', 'get-master-addr-by-name', name)
      const match = /^\*2\r\n\$\d+\r\n([^\r]+)\r\n\$\d+\r\n(\d+)\r\n$/.exec(reply)
      if (match !== null) return `${match[1]}:${match[2]}`
      errors.push(`${url}: ${reply.trim()}`)
    } catch (error) {
      errors.push(`${url}: ${(error as Error).message}`)
    }
  }
  throw new Error(`no sentinel named the master of ${name}:\n${errors.join('\n')}`)
}

function toUrl(address: string): string {
  return `redis://${address}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
