/**
 * `npm run bench:scaling`: what one Redis server and a 3-master Redis Cluster
 * cost per cached read, measured, and the throughput model that follows
 * (docs/SCALING.md). Client processes (scaling-worker.ts) serve getOrSet hits
 * of ~1 KB values; the CPU time of every client and every Redis server is
 * read before and after, so the cost per operation on each side is known
 * even on a machine too small to show the scaling itself.
 * SCALING_SECONDS (5) and SCALING_PROCESSES (2) change the run.
 */
import { fork } from 'node:child_process'
import { join } from 'node:path'
import { createCache } from '../src/index.js'
import { startRedisCluster } from '../test/helpers/redis-cluster.js'
import { sendCommand } from '../test/helpers/redis-server.js'
import { startRedis } from './peers/redis-server.js'
import { record } from './peers/values.js'
import { patientKey } from './scaling-worker-keys.js'

const SECONDS = Number(process.env['SCALING_SECONDS'] ?? 5)
const PROCESSES = Number(process.env['SCALING_PROCESSES'] ?? 2)
const INFLIGHT = 64
const KEYS = 10_000
const WORKER = join(import.meta.dirname, 'scaling-worker.js')

interface Deployment {
  readonly name: string
  readonly masters: string[]
  readonly redis: { url?: string; nodes?: string[] }
  stop(): Promise<void>
}

interface Measured {
  readonly name: string
  /** Redis used_memory per cached record, key and TTL included. */
  readonly bytesPerEntry: number
  readonly masters: number
  readonly opsPerSecond: number
  readonly clientMicrosPerOp: number
  readonly serverMicrosPerOp: number
}

/** Redis used_memory summed over the masters. */
async function usedMemory(urls: readonly string[]): Promise<number> {
  const replies = await Promise.all(urls.map((url) => sendCommand(url, 'INFO', 'memory')))
  return replies.reduce((sum, info) => sum + Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0), 0)
}

/** CPU seconds a redis-server has used (user + system), from INFO cpu. */
async function serverCpuSeconds(url: string): Promise<number> {
  const info = await sendCommand(url, 'INFO', 'cpu')
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return field('used_cpu_user') + field('used_cpu_sys')
}

async function warm(redis: Deployment['redis']): Promise<void> {
  const cache = createCache({ store: redis.nodes === undefined ? 'redis' : 'cluster', redis, prefix: 'scale', logger: false })
  await cache.ready('10s')
  for (let start = 0; start < KEYS; start += 500) {
    await cache.mset(Array.from({ length: 500 }, (_, i) => ({ key: patientKey(start + i), value: record(start + i), options: { ttl: '1h' } })))
  }
  await cache.close()
}

async function measure(deployment: Deployment): Promise<Measured> {
  const memoryBefore = await usedMemory(deployment.masters)
  await warm(deployment.redis)
  const bytesPerEntry = ((await usedMemory(deployment.masters)) - memoryBefore) / KEYS
  const serverBefore = await Promise.all(deployment.masters.map(serverCpuSeconds))
  const reports = await Promise.all(
    Array.from({ length: PROCESSES }, () => {
      // SCALING_PROFILE=<dir> writes a --cpu-prof of each client (read it with bench/peers/top-frames.js).
      const profile = process.env['SCALING_PROFILE']
      const execArgv = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}/${deployment.masters.length}`]
      const child = fork(WORKER, [JSON.stringify(deployment.redis), String(SECONDS), String(INFLIGHT), String(KEYS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
      return new Promise<{ ops: number; misses: number; cpuMicros: number }>((resolve, reject) => {
        child.once('message', (report: { ops: number; misses: number; cpuMicros: number }) => resolve(report))
        child.once('exit', (code) => reject(new Error(`a scaling worker exited with ${code} before reporting`)))
      })
    }),
  )
  const serverAfter = await Promise.all(deployment.masters.map(serverCpuSeconds))
  const ops = reports.reduce((sum, report) => sum + report.ops, 0)
  const misses = reports.reduce((sum, report) => sum + report.misses, 0)
  if (misses > ops * 0.01) throw new Error(`${misses} of ${ops} reads missed: the keys were not warm`)
  const serverMicros = serverAfter.reduce((sum, after, i) => sum + after - (serverBefore[i] ?? 0), 0) * 1e6
  return {
    name: deployment.name,
    bytesPerEntry,
    masters: deployment.masters.length,
    opsPerSecond: ops / SECONDS,
    clientMicrosPerOp: reports.reduce((sum, report) => sum + report.cpuMicros, 0) / ops,
    serverMicrosPerOp: serverMicros / ops,
  }
}

async function standalone(): Promise<Deployment> {
  const server = await startRedis()
  return { name: 'one server', masters: [server.url], redis: { url: server.url }, stop: () => server.stop() }
}

async function cluster(): Promise<Deployment> {
  const handle = await startRedisCluster({ masters: 3, replicasPerMaster: 0 })
  return { name: 'cluster, 3 masters', masters: handle.masterUrls, redis: { nodes: [handle.rootUrls[0] ?? ''] }, stop: () => handle.stop() }
}

const results: Measured[] = []
for (const start of [standalone, cluster]) {
  const deployment = await start()
  try {
    process.stderr.write(`measuring ${deployment.name} (${PROCESSES} client processes x ${INFLIGHT} in flight, ${SECONDS} s)\n`)
    results.push(await measure(deployment))
  } finally {
    await deployment.stop()
  }
}

const fixed = (value: number, digits = 1) => value.toFixed(digits)
console.log(`\nNode ${process.version}, ${PROCESSES} client processes, getOrSet hits of ~1 KB values, ${INFLIGHT} in flight each, ${SECONDS} s\n`)
console.log('| deployment | measured reads/s (this machine) | client CPU µs/read | Redis CPU µs/read (all masters) |')
console.log('|---|---|---|---|')
for (const row of results) console.log(`| ${row.name} | ${Math.round(row.opsPerSecond)} | ${fixed(row.clientMicrosPerOp)} | ${fixed(row.serverMicrosPerOp)} |`)
console.log(`\nRedis memory per cached record (${JSON.stringify(record(1)).length} bytes of JSON, key and TTL included): ${results.map((row) => `${Math.round(row.bytesPerEntry)} B on ${row.name}`).join(', ')}`)

// The model: a master is one core running Redis, a client process one core running Node. Reads
// spread evenly over masters (hash slots), so the fleet's ceiling is the smaller of what the
// clients can send and what the masters can serve.
const perRead = results.find((row) => row.masters > 1) ?? results[0]
if (perRead !== undefined) {
  const masterCapacity = 1e6 / perRead.serverMicrosPerOp
  const clientCapacity = 1e6 / perRead.clientMicrosPerOp
  console.log(`\nModel (from the cluster row): one master serves ~${Math.round(masterCapacity)} reads/s per core, one client process sends ~${Math.round(clientCapacity)} reads/s per core.`)
  console.log('reads/s = min(clients x client capacity, masters x master capacity); each master needs ~' + fixed(masterCapacity / clientCapacity) + ' client processes to be kept busy.\n')
  console.log('| masters | reads/s ceiling (masters busy) | client processes to reach it |')
  console.log('|---|---|---|')
  for (const masters of [1, 3, 6, 12]) console.log(`| ${masters} | ${Math.round(masters * masterCapacity)} | ${Math.ceil((masters * masterCapacity) / clientCapacity)} |`)
}
