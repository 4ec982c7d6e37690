/**
 * `serve` with 1,000 client sessions at once, in front of an HTTP upstream: the memory each
 * session costs, and cached tools/call latency (p50/p99) and errors while every session calls
 * concurrently. Loopback only; stops by itself. `npm run bench:session-scale`
 */
import { cpus } from 'node:os'
import { join } from 'node:path'
import { residentMb } from './process-memory.js'
import { spawnWithUrl } from './spawn-with-url.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const COUNTING_SERVER = join(ROOT, 'test', 'fixtures', 'counting-server.mjs')
const SESSIONS = Number(process.env['BENCH_SESSIONS'] ?? 1000)
/** Calls in flight at once while measuring hits, spread over every session. */
const CONCURRENCY = 64
const HIT_CALLS = 10_000

interface Session {
  readonly headers: Record<string, string>
  readonly n: number
}

/** Opens a 2025-11-25 session (its own principal) and calls one tool in it, which caches its entry. */
async function openSession(url: string, n: number): Promise<Session> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer scale-${n}` }
  const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) })
  await init.text()
  const session = { ...headers, 'mcp-session-id': init.headers.get('mcp-session-id') ?? '', 'mcp-protocol-version': '2025-11-25' }
  await (await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text()
  await call(url, { headers: session, n }, 1)
  return { headers: session, n }
}

/** One tools/call of the session's own code; resolves to whether it was a cache hit, throws on an error. */
async function call(url: string, session: Session, id: number): Promise<boolean> {
  const response = await fetch(url, { method: 'POST', headers: session.headers, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'lookup_code', arguments: { code: `S${session.n}` } } }) })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`)
  if (text.includes('"error"')) throw new Error('JSON-RPC error')
  return text.includes('"mcp-cache/status":"hit"')
}

const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0

async function main(): Promise<void> {
  const upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
  const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--max-sessions', String(SESSIONS + 10), '--max-sessions-per-principal', '1'])
  const pid = gateway.child.pid as number
  try {
    await openSession(gateway.url, -1) // warm: code loaded
    const before = residentMb(pid)
    const sessions: Session[] = []
    for (let n = 0; n < SESSIONS; n++) {
      sessions.push(await openSession(gateway.url, n))
      if (n % 50 === 49) process.stderr.write(`\ropening sessions: ${n + 1}/${SESSIONS}   `)
    }
    const after = residentMb(pid)
    process.stderr.write('\n')

    const times: number[] = []
    let errors = 0
    let misses = 0
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < HIT_CALLS) {
        const index = next++
        const session = sessions[index % sessions.length] as Session
        const started = performance.now()
        try {
          if (!(await call(gateway.url, session, 2 + index))) misses++
          times.push(performance.now() - started)
        } catch {
          errors++
        }
        if (index % 1000 === 999) process.stderr.write(`\rcached calls across every session: ${index + 1}/${HIT_CALLS}   `)
      }
    }
    const wall = performance.now()
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const seconds = (performance.now() - wall) / 1000
    process.stderr.write('\n')
    times.sort((a, b) => a - b)
    const peak = residentMb(pid)

    console.log(`${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} vCPUs (${cpus()[0]?.model ?? 'unknown'}); serve (memory store) in front of the counting server over HTTP, on loopback.\n`)
    console.log('| sessions | RSS before | RSS with sessions | per session | cached calls | in flight | calls/s | p50 ms | p99 ms | not hits | errors | RSS after the load |')
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    console.log(`| ${SESSIONS} | ${before.toFixed(0)} MB | ${after.toFixed(0)} MB | ${(((after - before) / SESSIONS) * 1024).toFixed(0)} KB | ${HIT_CALLS} | ${CONCURRENCY} | ${Math.round(times.length / seconds)} | ${percentile(times, 0.5).toFixed(2)} | ${percentile(times, 0.99).toFixed(2)} | ${misses} | ${errors} | ${peak.toFixed(0)} MB |`)
  } finally {
    gateway.child.kill('SIGTERM')
    upstream.child.kill('SIGTERM')
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
