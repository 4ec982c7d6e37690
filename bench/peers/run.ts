/**
 * `npm run bench`: mcp-cache against raw Redis clients and peer caching
 * libraries, in one run, on a private redis-server: Redis-only hits, tiered
 * (L1) hits, misses, 1 KB and 100 KB values, a stampede in one process and
 * across processes, and bytes per L1 entry. Writes its section of
 * bench/RESULTS.md. The gateway scenarios are `npm run bench:gateway`.
 *
 * Env (defaults fit ~6 minutes on 2 cores):
 *   BENCH_ROUNDS=7  BENCH_SLICE_MS=400  BENCH_WARMUP_MS=300  BENCH_CONCURRENCY=64
 *   BENCH_KEYS=10000 (1 KB)  BENCH_KEYS_100KB=500  BENCH_STAMPEDE_ROUNDS=5  BENCH_XPROC_ROUNDS=3
 *   BENCH_ONLY=redis-hit,l1-hit,miss,stampede,xprocess,memory   BENCH_SIZES=1kb,100kb
 *   BENCH_CONTENDERS=mcp-redis,ioredis,...   BENCH_WRITE=0|1 (default: 1 for a full run, 0 when filtered)
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { contenders, type ContenderSpec } from './contenders.js'
import { runCrossProcess, type CrossProcessResult } from './cross-process.js'
import type { MemoryReport } from './memory-probe.js'
import { startRedis, type BenchRedis } from './redis-server.js'
import { writeSection, type RunReport } from './report.js'
import { runStampede, runThroughput, type BenchConfig, type StampedeResult, type ThroughputResult, type ThroughputScenario } from './scenarios.js'
import { jsonBytes, type ValueSize } from './values.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const RESULTS = join(ROOT, 'bench', 'RESULTS.md')

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number (got ${raw})`)
  return value
}

function envList(name: string): string[] | undefined {
  const raw = process.env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.split(',').map((item) => item.trim()).filter((item) => item !== '')
}

const config: BenchConfig = {
  rounds: envNumber('BENCH_ROUNDS', 7),
  sliceMs: envNumber('BENCH_SLICE_MS', 400),
  warmupMs: envNumber('BENCH_WARMUP_MS', 300),
  concurrency: envNumber('BENCH_CONCURRENCY', 64),
  keys: { '1 KB': envNumber('BENCH_KEYS', 10_000), '100 KB': envNumber('BENCH_KEYS_100KB', 500) },
  stampedeCallers: 1000,
  originMs: 50,
  stampedeRounds: envNumber('BENCH_STAMPEDE_ROUNDS', 5),
}
const xprocRounds = envNumber('BENCH_XPROC_ROUNDS', 3)
const only = envList('BENCH_ONLY')
const sizeFilter = envList('BENCH_SIZES')
const contenderFilter = envList('BENCH_CONTENDERS')
const filtered = only !== undefined || sizeFilter !== undefined || contenderFilter !== undefined
const write = process.env['BENCH_WRITE'] === undefined ? !filtered : process.env['BENCH_WRITE'] === '1'
const wants = (part: string): boolean => only === undefined || only.includes(part)
const sizes = (['1 KB', '100 KB'] as const).filter((size) => sizeFilter === undefined || sizeFilter.includes(size.replace(' ', '').toLowerCase()))
const pick = (ids: readonly string[]): ContenderSpec[] =>
  contenders.filter((spec) => ids.includes(spec.id) && (contenderFilter === undefined || contenderFilter.includes(spec.id)))

const REDIS_BACKED = ['mcp-redis', 'node-redis', 'ioredis', 'bento-redis', 'cache-manager', 'cachified']
const TIERED = ['mcp-tiered', 'bento-tiered', 'lru-cache']
const WITH_GET_OR_SET = ['mcp-redis', 'mcp-tiered', 'mcp-redis-dist', 'bento-redis', 'bento-tiered', 'cache-manager', 'cachified']

const log = (line: string): void => console.log(line)

async function memoryProbe(redis: BenchRedis, id: string, count: number): Promise<MemoryReport> {
  const child = spawn(process.execPath, ['--expose-gc', join(import.meta.dirname, 'memory-probe.js'), id, redis.url, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  const line = output.trim().split('\n').pop() ?? ''
  if (code !== 0 || !line.startsWith('{')) throw new Error(`memory probe of ${id} failed (exit ${code}): ${output}`)
  return JSON.parse(line) as MemoryReport
}

/** The commit measured (BENCH_COMMIT when run outside a git checkout), and whether src/ differed from it. */
function measuredCommit(): string {
  const head = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' })
  if (head.status !== 0) return process.env['BENCH_COMMIT'] ?? 'unknown commit'
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim() !== ''
  return `commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes in src/' : ''}`
}

const started = performance.now()
const loadBefore = loadavg().map((n) => n.toFixed(2)).join(' ')
let maxLoad = loadavg()[0] ?? 0
const loadSampler = setInterval(() => { maxLoad = Math.max(maxLoad, loadavg()[0] ?? 0) }, 5_000)
loadSampler.unref()
const redis = await startRedis()
const stopAndExit = (signal: NodeJS.Signals): void => {
  void redis.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
}
process.once('SIGINT', stopAndExit)
process.once('SIGTERM', stopAndExit)
try {
  const redisVersion = /redis_version:([^\r\n]+)/.exec(await redis.command('INFO', 'server'))?.[1] ?? 'unknown'
  log(`redis-server ${redisVersion} on ${redis.url}; ${config.rounds} rounds x ${config.sliceMs} ms, ${config.concurrency} in flight`)
  const scenarios: ThroughputScenario[] = []
  for (const size of sizes) {
    if (wants('redis-hit')) scenarios.push({ title: `Redis-only hit, ${size}`, kind: 'hit', size, contenders: pick(REDIS_BACKED) })
    if (wants('l1-hit')) scenarios.push({ title: `Tiered L1 hit, ${size}`, kind: 'hit', size, contenders: pick(TIERED) })
    if (wants('miss')) scenarios.push({ title: `Miss (get + factory + set), ${size}`, kind: 'miss', size, contenders: pick([...REDIS_BACKED, 'mcp-tiered', 'bento-tiered', 'mcp-redis-dist', 'mcp-tiered-nobus']) })
  }
  const throughput: ThroughputResult[] = []
  for (const scenario of scenarios) {
    if (scenario.contenders.length === 0) continue
    log(`${scenario.title} (${jsonBytes(scenario.size as ValueSize)} bytes of JSON)`)
    const result = await runThroughput(scenario, redis, config, log)
    for (const row of result.rows) log(`  ${row.spec.name.padEnd(36)} ${Math.round(row.opsPerSec).toString().padStart(9)} ops/s  p50 ${row.p50Us.toFixed(1)} µs  p99 ${row.p99Us.toFixed(1)} µs${row.factoryCalls > 0 ? `  (${row.factoryCalls} origin calls)` : ''}${row.errors > 0 ? `  (${row.errors} errors)` : ''}`)
    throughput.push(result)
  }
  let stampede: StampedeResult | undefined
  if (wants('stampede')) {
    log(`Stampede: ${config.stampedeCallers} callers x a ${config.originMs} ms origin`)
    stampede = await runStampede(pick([...WITH_GET_OR_SET, 'node-redis', 'ioredis']), redis, config, log)
    for (const row of stampede.rows) log(`  ${row.spec.name.padEnd(36)} ${row.originCalls} origin calls, ${row.totalMs.toFixed(1)} ms`)
  }
  let crossProcess: CrossProcessResult | undefined
  if (wants('xprocess')) {
    log('Stampede across 4 processes')
    crossProcess = await runCrossProcess(pick(WITH_GET_OR_SET), redis, { processes: 4, callersPerProcess: 250, originMs: config.originMs, rounds: xprocRounds }, log)
  }
  const memory: MemoryReport[] = []
  if (wants('memory')) {
    log('Bytes per L1 entry (1 KB values)')
    for (const spec of pick(TIERED)) {
      await redis.command('FLUSHALL')
      const report = await memoryProbe(redis, spec.id, config.keys['1 KB'])
      log(`  ${spec.name.padEnd(36)} ${report.bytesPerEntry} bytes per entry`)
      memory.push(report)
    }
  }
  const cpu = cpus()
  const loadAfter = loadavg().map((n) => n.toFixed(2)).join(' ')
  const run: RunReport = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    node: process.version,
    cpu: `${cpu.length} vCPUs (${cpu[0]?.model.trim() ?? 'unknown'})`,
    redisVersion,
    loadBefore,
    loadAfter,
    maxLoad: maxLoad.toFixed(2),
    commit: measuredCommit(),
    quiet: Number(loadBefore.split(' ')[0]) <= 0.7,
    concurrency: config.concurrency,
    method:
      `Method: one process drives every contender against the same Redis. Per scenario each contender gets a fresh instance with its own key prefix; ` +
      `for hits its keys are first written through its own API, then every contender runs ${config.warmupMs} ms unmeasured, then ${config.rounds} rounds in which ` +
      `each contender runs a closed loop of ${config.concurrency} concurrent callers for ${config.sliceMs} ms, the order rotated every round. Every call is timed; ` +
      `the tables give the median over the rounds of ops/s, p50 and p99. Keys are visited in a fixed stride over the key set; the values are plain JSON ` +
      `(${jsonBytes('1 KB')} and ${jsonBytes('100 KB')} bytes). Every contender reads through its own get-or-set API (raw clients: GET + JSON.parse, and on a miss the ` +
      `factory then an awaited SET); TTL 10 minutes; L1s sized to hold every key (mcp-cache \`l1.maxEntries\`/\`maxTtl\`, bentocache \`maxItems\`), otherwise defaults. ` +
      `Misses use a new key per call and Redis is flushed after each slice. Regenerate with \`npm run bench\` (env knobs at the top of bench/peers/run.ts).`,
    throughput,
    stampede,
    crossProcess,
    memory,
    memoryNames: Object.fromEntries(contenders.map((spec) => [spec.id, spec.name])),
    wallSeconds: (performance.now() - started) / 1000,
  }
  if (write) {
    writeSection(RESULTS, run)
    log(`wrote ${RESULTS}`)
  } else {
    log('filtered run: bench/RESULTS.md left as it is (BENCH_WRITE=1 to write anyway)')
  }
} finally {
  await redis.stop()
}
