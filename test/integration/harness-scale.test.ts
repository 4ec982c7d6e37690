/**
 * Proves the cluster and sentinel harnesses with the raw RESP client only, so
 * a failure here points at the harness, never at the client code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendCommand } from '../helpers/redis-server.js'
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js'
import { startRedisSentinel, type RedisSentinelHandle } from '../helpers/redis-sentinel.js'

/** Poll `read` every 50 ms until it returns `want` or `ms` pass; returns the last value. */
async function eventually(read: () => Promise<string>, want: string, ms = 5_000): Promise<string> {
  const deadline = Date.now() + ms
  let last = await read()
  while (last !== want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    last = await read()
  }
  return last
}

describe('redis cluster harness', () => {
  let cluster: RedisClusterHandle | undefined
  beforeAll(async () => { cluster = await startRedisCluster() })
  afterAll(async () => { await cluster?.stop() })

  it('is ok with 3 masters, serves a key on its owner and redirects elsewhere', async () => {
    if (cluster === undefined) throw new Error('cluster did not start')
    expect(cluster.nodes).toHaveLength(6)
    expect(cluster.masterUrls).toHaveLength(3)
    for (const url of cluster.rootUrls) {
      const info = await cluster.command(url, 'CLUSTER', 'INFO')
      expect(info).toContain('cluster_state:ok')
      expect(info).toContain('cluster_size:3')
    }
    const owner = await cluster.masterFor('harness-scale:k')
    expect(await cluster.command(owner, 'SET', 'harness-scale:k', 'v')).toBe('+OK\r\n')
    expect(await cluster.command(owner, 'GET', 'harness-scale:k')).toBe('$1\r\nv\r\n')
    const other = cluster.masterUrls.find((url) => url !== owner) ?? ''
    expect(await cluster.command(other, 'GET', 'harness-scale:k')).toMatch(new RegExp(`^-MOVED \\d+ 127\\.0\\.0\\.1:${new URL(owner).port}\\r\\n$`))
  })

  it('fails over to a replica on request', async () => {
    if (cluster === undefined) throw new Error('cluster did not start')
    const owner = await cluster.masterFor('harness-scale:k')
    const replica = await replicaOf(cluster, owner)
    await cluster.failover(replica)
    expect(await cluster.masterFor('harness-scale:k')).toBe(replica)
    expect(cluster.nodes.find((n) => n.url === replica)?.role).toBe('master')
    expect(cluster.nodes.find((n) => n.url === owner)?.role).toBe('replica')
    expect(await cluster.command(replica, 'GET', 'harness-scale:k')).toBe('$1\r\nv\r\n')
  })
})

/** URL of a replica of `masterUrl`, read from that replica's INFO replication. */
async function replicaOf(cluster: RedisClusterHandle, masterUrl: string): Promise<string> {
  const port = new URL(masterUrl).port
  for (const node of cluster.nodes.filter((n) => n.role === 'replica')) {
    if ((await cluster.command(node.url, 'INFO', 'replication')).includes(`master_port:${port}\r\n`)) return node.url
  }
  throw new Error(`no replica of ${masterUrl}`)
}

describe('redis sentinel harness', () => {
  let group: RedisSentinelHandle | undefined
  beforeAll(async () => { group = await startRedisSentinel() })
  afterAll(async () => { await group?.stop() })

  it('names the master, which replicates, and fails over to the replica', async () => {
    if (group === undefined) throw new Error('sentinel group did not start')
    const [master, replica] = group.servers
    if (master === undefined || replica === undefined) throw new Error('expected a master and a replica')
    expect(await group.masterUrl()).toBe(master.url)
    for (const url of group.sentinelUrls) {
      expect(await sendCommand(url, 'SENTINEL', 'get-master-addr-by-name', group.name)).toBe(`*2\r\n$9\r\n127.0.0.1\r\n$${String(master.port).length}\r\n${master.port}\r\n`)
    }
    expect(await sendCommand(master.url, 'SET', 'harness-scale:s', 'v1')).toBe('+OK\r\n')
    expect(await eventually(() => sendCommand(replica.url, 'GET', 'harness-scale:s'), '$2\r\nv1\r\n')).toBe('$2\r\nv1\r\n')

    const promoted = await group.failover()
    expect(promoted).toBe(replica.url)
    expect(await group.masterUrl()).toBe(replica.url)
    expect(await sendCommand(replica.url, 'INFO', 'replication')).toContain('role:master')
    expect(await sendCommand(replica.url, 'SET', 'harness-scale:s', 'v2')).toBe('+OK\r\n')
    expect(await sendCommand(replica.url, 'GET', 'harness-scale:s')).toBe('$2\r\nv2\r\n')
  })
})
