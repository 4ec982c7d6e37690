/**
 * A private redis-server for one bench run: loopback, a free port, no
 * persistence, its own temp dir. Killed by `stop()`, and by an exit hook (and,
 * on Linux, by `setpriv --pdeathsig`) if the bench dies first.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A running redis-server owned by this process. */
export interface BenchRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly pid: number
  /** Sends one command over a short-lived connection; resolves to the raw RESP reply. */
  command(...args: string[]): Promise<string>
  /** SIGTERM, then SIGKILL after 2 s; removes the dir. Idempotent. */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()

/** Starts redis-server and waits until it answers PING (10 s at most). */
export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'mcp-cache-bench-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes']
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path))
  const child = setpriv === undefined
    ? spawn('redis-server', args, { stdio: 'ignore' })
    : spawn(setpriv, ['--pdeathsig', 'KILL', 'redis-server', ...args], { stdio: 'ignore' })
  if (live.size === 0) process.once('exit', () => { for (const proc of live) proc.kill('SIGKILL') })
  live.add(child)
  child.once('exit', () => live.delete(child))
  const url = `redis://127.0.0.1:${port}`
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} (is it installed?)`)
    try {
      if ((await command(port, ['PING'])).startsWith('+PONG')) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error('redis-server did not answer PING within 10 s')
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (child.pid === undefined) throw new Error('redis-server has no pid')
  return { url, port, pid: child.pid, command: (...parts) => command(port, parts), stop }
}

/** One command, one connection: enough for FLUSHALL, INFO and CONFIG in between scenarios. */
function command(port: number, parts: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    let reply = ''
    socket.setTimeout(10_000, () => socket.destroy(new Error(`${parts[0] ?? ''} timed out`)))
    socket.once('error', reject)
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString()
      // Bulk replies (INFO) may come in several chunks: wait for the announced length.
      const bulk = /^\$(\d+)\r\n/.exec(reply)
      if (bulk === null || reply.length >= bulk[0].length + Number(bulk[1]) + 2) {
        socket.end()
        resolve(reply)
      }
    })
    socket.write(`*${parts.length}\r\n` + parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join(''))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
