/**
 * A throwaway Redis Cluster for tests: N masters with M replicas each, built
 * from private `startRedisServer()` processes and joined with
 * `redis-cli --cluster create`.
 *
 * Like redis-server.ts, nothing here uses the `redis` npm client (the harness
 * must keep working while the client code under test is broken): every
 * command goes through the raw RESP `sendCommand()`.
 *
 * Cost, measured on the 2-core test machine (Redis 7.0): 3 masters + 3
 * replicas are fully joined in 2.1-3.8 s (spawning ~0.1 s, `redis-cli
 * --cluster create` 1-2 s as it polls once a second, then ~1 s until every
 * node has gossiped the replica roles and the replicas have synced); a
 * `failover()` takes 0.8-1.0 s (the replica is promoted in ~70 ms; the rest is
 * gossip until every node lists its old master as a replica) and `stop()`
 * ~0.1 s. Without `--repl-diskless-sync-delay 0` startup took ~7.2 s.
 * After SIGKILLing a master, its replica took over in 3.3-4.6 s with the
 * default 2 s node timeout.
 */
import { execFile } from 'node:child_process'
import { findOnPath } from './ensure-installed.js'
import { firstAnswer, sendCommand, sendCommandWithTimeout, startRedisServer, type RedisServerHandle } from './redis-server.js'

/** One cluster member. `role` is what the cluster said last (see `refreshRoles()`). */
export interface RedisClusterNode {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  role: 'master' | 'replica'
  /** The cluster flags it `fail` (e.g. after `handle.kill()`); as of the last `refreshRoles()`. */
  failed: boolean
  /** The underlying server: freeze/kill/restart it to simulate faults. */
  readonly handle: RedisServerHandle
}

/** A running cluster owned by the calling process. */
export interface RedisClusterHandle {
  readonly nodes: readonly RedisClusterNode[]
  /** URLs of the nodes whose last known role is master, failed ones excluded. */
  readonly masterUrls: string[]
  /** Every node's URL, e.g. as seed nodes for a cluster client. */
  readonly rootUrls: string[]
  /** Stop every node (idempotent). */
  stop(): Promise<void>
  /** Send one command to one node and return the raw RESP reply (MOVED/ASK come back as `-MOVED ...`). */
  command(nodeUrl: string, ...args: string[]): Promise<string>
  /** URL of the master that currently owns `key`'s hash slot, as a reachable node sees it. */
  masterFor(key: string): Promise<string>
  /**
   * `CLUSTER FAILOVER` on a replica (its master must be up: not FORCE/TAKEOVER);
   * resolves once every live node agrees it is a master, its old master a
   * replica, and the cluster is ok. Roles in `nodes` are refreshed.
   */
  failover(replicaUrl: string): Promise<void>
  /** Re-read every node's role from `CLUSTER NODES` (e.g. after killing a master). */
  refreshRoles(): Promise<void>
}

export interface RedisClusterOptions {
  /** Masters (each gets a share of the 16384 slots); default 3, redis-cli needs at least 3. */
  masters?: number
  /** Replicas per master; default 1. */
  replicasPerMaster?: number
  /**
   * `cluster-node-timeout` in ms; default 2000. Low so a killed master is
   * marked failed and replaced in seconds instead of the default 15 s.
   */
  nodeTimeoutMs?: number
  /** How long creation plus convergence may take; default 20 s. */
  readyTimeoutMs?: number
}

/** One line of `CLUSTER NODES`. */
interface NodeLine {
  readonly id: string
  readonly port: number
  /** For a replica, its master's id; `-` for a master. */
  readonly masterId: string
  readonly flags: readonly string[]
  /** Link state is `connected` (the cluster bus to it is up). */
  readonly connected: boolean
  /** Inclusive slot ranges this node serves (masters only). */
  readonly slots: ReadonlyArray<readonly [number, number]>
}

const SLOTS = 16384

/** Start and join a cluster; on any failure every started server is stopped before rethrowing. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3
  const replicas = options.replicasPerMaster ?? 1
  const nodeTimeout = options.nodeTimeoutMs ?? 2_000
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000)
  // Any node may become a master, so all skip the 5 s diskless-sync delay that
  // otherwise holds every replica's initial sync (and so startup) back.
  const args = [
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeout),
    '--repl-diskless-sync-delay', '0',
  ]
  const started = await Promise.allSettled(Array.from({ length: masters * (1 + replicas) }, () => startRedisServer({ args })))
  const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stopAll = async (): Promise<void> => { await Promise.all(handles.map((h) => h.stop())) }
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    const output = await createCluster(handles.map((h) => h.port), replicas, deadline)
    await waitForClusterOk(handles.map((h) => h.url), masters, replicas, deadline, output)
  } catch (error) {
    await stopAll()
    throw error
  }
  const nodes: RedisClusterNode[] = handles.map((handle) => ({ url: handle.url, port: handle.port, role: 'master', failed: false, handle }))
  const refreshRoles = async (): Promise<void> => {
    const view = await clusterView(nodes.map((n) => n.url))
    for (const node of nodes) {
      const line = view.find((l) => l.port === node.port)
      if (line === undefined) continue
      node.role = line.flags.includes('master') ? 'master' : 'replica'
      node.failed = line.flags.includes('fail')
    }
  }
  await refreshRoles().catch(async (error: unknown) => {
    await stopAll()
    throw error
  })
  return {
    nodes,
    get masterUrls() { return nodes.filter((n) => n.role === 'master' && !n.failed).map((n) => n.url) },
    get rootUrls() { return nodes.map((n) => n.url) },
    stop: stopAll,
    command: (nodeUrl, ...command) => sendCommand(nodeUrl, ...command),
    async masterFor(key) {
      const urls = nodes.map((n) => n.url)
      const slot = Number(expectReply(await firstAnswer(urls, 'CLUSTER', 'KEYSLOT', key), ':').slice(1))
      const owner = (await clusterView(urls)).find((l) => isServingMaster(l) && l.slots.some(([a, b]) => a <= slot && slot <= b))
      if (owner === undefined) throw new Error(`no live master owns slot ${slot} (key ${key})`)
      return `redis://127.0.0.1:${owner.port}`
    },
    async failover(replicaUrl) {
      const node = nodes.find((n) => n.url === replicaUrl)
      if (node === undefined) throw new Error(`${replicaUrl} is not a node of this cluster`)
      const view = await clusterView([replicaUrl])
      const masterId = view.find((l) => l.flags.includes('myself'))?.masterId
      const formerPort = view.find((l) => l.id === masterId)?.port
      expectReply(await sendCommand(replicaUrl, 'CLUSTER', 'FAILOVER'), '+OK')
      await waitForPromotion(nodes.map((n) => n.url), node.port, formerPort, Date.now() + 10_000)
      await refreshRoles()
    },
    refreshRoles,
  }
}

/** Run `redis-cli --cluster create`; returns its output (kept for error messages). */
async function createCluster(ports: number[], replicas: number, deadline: number): Promise<string> {
  const cli = findOnPath('redis-cli')
  if (cli === undefined) throw new Error('redis-cli is missing: install it with "sudo apt-get install -y redis-tools" (Debian/Ubuntu) or "brew install redis" (macOS).')
  const argv = ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes']
  return new Promise((resolve, reject) => {
    execFile(cli, argv, { timeout: Math.max(1_000, deadline - Date.now()), encoding: 'utf8' }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim()
      if (error !== null || !output.includes('[OK] All 16384 slots covered')) {
        reject(new Error(`redis-cli --cluster create failed (${error?.message ?? 'slots not covered'}):\n${output}`))
      } else {
        resolve(output)
      }
    })
  })
}

/**
 * Poll until every node is fully joined: see `nodeReady`. redis-cli returns
 * as soon as slot configs agree, but replica roles and syncs are still
 * spreading: right after it, nodes can report `cluster_state:ok` while still
 * listing the replicas as empty masters, and replicas are in `wait_bgsave`.
 */
async function waitForClusterOk(urls: string[], masters: number, replicas: number, deadline: number, cliOutput: string): Promise<void> {
  let last = ''
  while (Date.now() < deadline) {
    const problems = await Promise.all(urls.map((url) => nodeReady(url, masters, replicas).catch((error: Error) => error.message)))
    const bad = problems.findIndex((p) => p !== undefined)
    if (bad === -1) return
    last = `${urls[bad]}: ${problems[bad]}`
    await sleep(100)
  }
  throw new Error(`cluster not ok before the deadline (last: ${last})\nredis-cli output:\n${cliOutput}`)
}

/**
 * Undefined if this node says `cluster_state:ok` with all slots ok, sees
 * exactly `masters` masters and `masters * replicas` replicas, all connected
 * and none failing, and (if it is a replica) has finished its initial sync;
 * otherwise what is still missing.
 */
async function nodeReady(url: string, masters: number, replicas: number): Promise<string | undefined> {
  const info = await clusterInfo(url)
  if (info.cluster_state !== 'ok' || info.cluster_slots_ok !== String(SLOTS) || info.cluster_known_nodes !== String(masters * (1 + replicas))) {
    return `cluster info ${JSON.stringify(info)}`
  }
  const view = parseNodes(expectReply(await sendCommandWithTimeout(url, 1_000, 'CLUSTER', 'NODES'), '$'))
  const seenMasters = view.filter((l) => l.flags.includes('master')).length
  const seenReplicas = view.filter((l) => l.flags.includes('slave')).length
  const unsettled = view.filter((l) => !l.connected || l.flags.some((f) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(f)))
  if (seenMasters !== masters || seenReplicas !== masters * replicas || unsettled.length > 0) {
    return `sees ${seenMasters} masters, ${seenReplicas} replicas, ${unsettled.length} unsettled`
  }
  const me = view.find((l) => l.flags.includes('myself'))
  if (me?.flags.includes('slave') === true) {
    const replication = await sendCommandWithTimeout(url, 1_000, 'INFO', 'replication')
    if (!replication.includes('master_link_status:up')) return 'replica not in sync yet'
  }
  return undefined
}

/**
 * Wait until every reachable node says `cluster_state:ok`, sees `port` as a
 * master owning slots and `formerPort` (its old master) as a replica or
 * failed. The promoted node flips first and the rest learn it by gossip, so
 * checking only the replica would leave `masterFor()` and roles racing.
 */
async function waitForPromotion(urls: string[], port: number, formerPort: number | undefined, deadline: number): Promise<void> {
  let last = ''
  while (Date.now() < deadline) {
    const views = await Promise.all(urls.map(async (url) => {
      let info: Record<string, string>
      let view: NodeLine[]
      try {
        info = await clusterInfo(url)
        view = parseNodes(expectReply(await sendCommandWithTimeout(url, 1_000, 'CLUSTER', 'NODES'), '$'))
      } catch (error) {
        // A node the test killed or froze has no say, but the promoted one must answer.
        return new URL(url).port === String(port) ? `${url}: ${(error as Error).message}` : undefined
      }
      const promoted = view.find((l) => l.port === port)
      const former = view.find((l) => l.port === formerPort)
      const settled = info.cluster_state === 'ok'
        && promoted !== undefined && isServingMaster(promoted) && promoted.slots.length > 0
        && (former === undefined || former.flags.includes('slave') || former.flags.includes('fail'))
      return settled ? undefined : `${url}: state ${info.cluster_state}, sees promoted ${promoted?.flags.join(',')}, former ${former?.flags.join(',')}`
    }))
    const disagreeing = views.find((v) => v !== undefined)
    if (disagreeing === undefined) return
    last = disagreeing
    await sleep(50)
  }
  throw new Error(`127.0.0.1:${port} was not promoted before the deadline (last: ${last})`)
}

/** `CLUSTER INFO` as key/value pairs. */
async function clusterInfo(url: string): Promise<Record<string, string>> {
  const reply = expectReply(await sendCommandWithTimeout(url, 1_000, 'CLUSTER', 'INFO'), '$')
  return Object.fromEntries(reply.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':', 2) as [string, string]))
}

/** `CLUSTER NODES` from the first node that answers. */
async function clusterView(urls: string[]): Promise<NodeLine[]> {
  return parseNodes(expectReply(await firstAnswer(urls, 'CLUSTER', 'NODES'), '$'))
}

/**
 * Parse `CLUSTER NODES`: `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`.
 * Slots are `a-b` or `n`; migrating/importing entries (`[...]`) are ignored.
 */
function parseNodes(text: string): NodeLine[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const fields = line.trim().split(' ')
    const port = Number((fields[1] ?? '').split('@')[0]?.split(':').pop())
    const slots = fields.slice(8).filter((s) => !s.startsWith('[')).map((s): [number, number] => {
      const [a, b] = s.split('-')
      return [Number(a), Number(b ?? a)]
    })
    return { id: fields[0] ?? '', port, masterId: fields[3] ?? '-', flags: (fields[2] ?? '').split(','), connected: fields[7] === 'connected', slots }
  })
}

/** A master that is not marked failed (PFAIL alone is only one node's suspicion). */
function isServingMaster(line: NodeLine): boolean {
  return line.flags.includes('master') && !line.flags.includes('fail')
}

/** Throw with the raw reply unless it starts with `prefix`; for `$` bulk replies return the payload only. */
function expectReply(reply: string, prefix: string): string {
  if (!reply.startsWith(prefix)) throw new Error(`unexpected reply: ${reply.trim()}`)
  return prefix === '$' ? reply.slice(reply.indexOf('\r\n') + 2, -2) : reply
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
