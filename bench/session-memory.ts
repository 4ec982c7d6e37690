/**
 * What one client session of `serve` costs in memory, to size `--max-sessions`:
 * the gateway's resident set (and, for a stdio upstream, its children's) before
 * and after opening sessions, divided by their number. `npm run bench:sessions`
 */
import { cpus } from 'node:os'
import { join } from 'node:path'
import { residentMb } from './process-memory.js'
import { spawnWithUrl } from './spawn-with-url.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const COUNTING_SERVER = join(ROOT, 'test', 'fixtures', 'counting-server.mjs')

/** Opens a 2025-11-25 session and calls one tool in it, so the session has done real work. */
async function openSession(url: string, n: number): Promise<void> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer session-${n}` }
  const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) })
  await init.text()
  const session = { ...headers, 'mcp-session-id': init.headers.get('mcp-session-id') ?? '', 'mcp-protocol-version': '2025-11-25' }
  await (await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text()
  await (await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'lookup_code', arguments: { code: `S${n}` } } }) })).text()
}

async function measure(label: string, upstreamArgs: string[], sessions: number): Promise<string> {
  const gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--max-sessions', String(sessions + 10), '--max-sessions-per-principal', '1', ...upstreamArgs])
  const pid = gateway.child.pid as number
  try {
    await openSession(gateway.url, -1) // warm: code loaded, first upstream started
    const before = residentMb(pid)
    for (let n = 0; n < sessions; n++) {
      await openSession(gateway.url, n)
      process.stderr.write(`\r${label}: ${n + 1}/${sessions} sessions   `)
    }
    const after = residentMb(pid)
    return `| ${label} | ${sessions} | ${before.toFixed(0)} | ${after.toFixed(0)} | ${((after - before) / sessions).toFixed(2)} |`
  } finally {
    gateway.child.kill('SIGTERM')
  }
}

async function main(): Promise<void> {
  const upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
  const rows: string[] = []
  try {
    rows.push(await measure('HTTP upstream', ['--upstream', upstream.url], 200))
    rows.push(await measure('stdio upstream (a child each)', ['--', process.execPath, COUNTING_SERVER], 10))
  } finally {
    process.stderr.write('\n')
    upstream.child.kill('SIGTERM')
  }
  console.log(`${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} vCPUs (${cpus()[0]?.model ?? 'unknown'}); resident set of serve and its children, MB.\n`)
  console.log('| upstream | sessions | before | after | per session |')
  console.log('|---|---:|---:|---:|---:|')
  for (const row of rows) console.log(row)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
