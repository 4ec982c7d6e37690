/**
 * Throwaway redis-server processes for tests, plus a raw RESP client.
 *
 * The whole run shares ONE server started by global-setup.ts (see redis.ts:
 * `redisUrl()` and `uniquePrefix()`). A test that needs to freeze, kill,
 * restart or reconfigure Redis must start its OWN server with
 * `startRedisServer()` and `stop()` it in `afterAll`/`afterEach`, so it never
 * disturbs other test files running in parallel.
 *
 * Nothing here uses the `redis` npm client: the harness must keep working
 * while the client code under test is broken.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { findOnPath } from './ensure-installed.js'

/** A running redis-server owned by the calling process. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** Loopback TCP port; kept across `restart()`. */
  readonly port: number
  /** PID of the current redis-server process (changes after `restart()`). */
  readonly pid: number
  /** Private working directory (`--dir`); kept across `restart()`. */
  readonly dir: string
  /** SIGCONT, SIGTERM, SIGKILL after 2 s, then remove `dir`. Idempotent. */
  stop(): Promise<void>
  /** SIGSTOP: the port still accepts connections but nothing is answered. */
  freeze(): void
  /** SIGCONT: undo `freeze()`. */
  thaw(): void
  /** SIGKILL and wait for the process to exit; `dir` is kept. */
  kill(): Promise<void>
  /** Start again on the same port and dir with the same args (kills first if running). */
  restart(): Promise<void>
  /** Send one command and return the raw RESP reply (errors come back as `-ERR ...` text). */
  command(...args: string[]): Promise<string>
}

const PING_DEADLINE_MS = 10_000
const DEFAULT_TIMEOUT_MS = 5_000
const live = new Map<ChildProcess, string>()
const recentOutput = new WeakMap<ChildProcess, () => string>()
let exitHookInstalled = false
let setprivPath: string | undefined | null = null

/** Find a free loopback TCP port by binding port 0 on 127.0.0.1. */
export async function findFreePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('could not read the bound port')
  return address.port
}

/** Send one command to `url` and return the raw RESP reply text (5 s timeout). */
export function sendCommand(url: string, ...args: string[]): Promise<string> {
  return sendCommandWithTimeout(url, DEFAULT_TIMEOUT_MS, ...args)
}

/** Like `sendCommand`, but rejects with "timed out" after `timeoutMs` without a full reply. */
export async function sendCommandWithTimeout(url: string, timeoutMs: number, ...args: string[]): Promise<string> {
  const target = new URL(url)
  if (target.protocol !== 'redis:') throw new Error(`sendCommand supports redis:// URLs only, got ${target.protocol}`)
  const password = decodeURIComponent(target.password)
  const user = decodeURIComponent(target.username)
  const auth = password === '' ? [] : [user === '' ? ['AUTH', password] : ['AUTH', user, password]]
  const commands = [...auth, args]
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.hostname || '127.0.0.1', port: Number(target.port || 6379) })
    let buffer = Buffer.alloc(0)
    const fail = (error: Error): void => {
      socket.destroy()
      reject(error)
    }
    socket.setTimeout(timeoutMs, () => fail(new Error(`${args.join(' ')} timed out after ${timeoutMs} ms`)))
    socket.once('error', fail)
    socket.once('close', () => reject(new Error(`connection closed before a reply to ${args.join(' ')}`)))
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      let start = 0
      for (let i = 0; i < commands.length; i++) {
        const end = replyEnd(buffer, start)
        if (end === undefined) return
        if (i < auth.length && buffer[start] === 0x2d) return fail(new Error(`AUTH failed: ${buffer.toString('utf8', start, end).trim()}`))
        if (i === commands.length - 1) {
          socket.destroy()
          resolve(buffer.toString('utf8', start, end))
        }
        start = end
      }
    })
    socket.write(commands.map(encode).join(''))
  })
}

/** Sends one command to each URL in turn until one answers (1 s each): killed or frozen servers are skipped. */
export async function firstAnswer(urls: readonly string[], ...args: string[]): Promise<string> {
  const errors: string[] = []
  for (const url of urls) {
    try {
      return await sendCommandWithTimeout(url, 1_000, ...args)
    } catch (error) {
      errors.push(`${url}: ${(error as Error).message}`)
    }
  }
  throw new Error(`no server answered ${args.join(' ')}:\n${errors.join('\n')}`)
}

/** Spawn a private redis-server on a free port (or `port`) and wait until it answers PING. */
export async function startRedisServer(options: { args?: string[]; port?: number; config?: string } = {}): Promise<RedisServerHandle> {
  const port = options.port ?? (await findFreePort())
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-cache-redis-'))
  const url = `redis://127.0.0.1:${port}`
  // With a config file, only where it listens and writes is overridden: persistence stays the file's.
  const argv = options.config !== undefined
    ? [options.config, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...(options.args ?? [])]
    : [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--protected-mode', 'yes', '--enable-debug-command', 'local', ...(options.args ?? []),
      ]
  let child: ChildProcess
  let stopped = false
  const launch = async (): Promise<void> => {
    child = spawnTracked(argv, dir)
    await waitForPing(url, child)
  }
  try {
    await launch()
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = waitForExit(child)
    child.kill('SIGKILL')
    await exited
  }
  return {
    url, port, dir,
    get pid() { return pidOf(child) },
    async stop() {
      if (stopped) return
      stopped = true
      if (child.exitCode === null && child.signalCode === null) {
        const exited = waitForExit(child)
        child.kill('SIGCONT')
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
        await exited
        clearTimeout(timer)
      }
      await rm(dir, { recursive: true, force: true })
    },
    freeze() { process.kill(pidOf(child), 'SIGSTOP') },
    thaw() { process.kill(pidOf(child), 'SIGCONT') },
    kill,
    async restart() {
      if (stopped) throw new Error('restart() after stop(): the dir is gone')
      await kill()
      await launch()
    },
    command: (...args) => sendCommand(url, ...args),
  }
}

/** Encode one command as a RESP array of bulk strings. */
function encode(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')
}

/** Offset just past the complete RESP2 reply starting at `start`, or undefined if incomplete. */
function replyEnd(buf: Buffer, start: number): number | undefined {
  const lineEnd = buf.indexOf('\r\n', start)
  if (lineEnd === -1) return undefined
  const type = buf[start]
  const n = Number(buf.toString('utf8', start + 1, lineEnd))
  let end = lineEnd + 2
  if (type === 0x24) return n < 0 ? end : end + n + 2 <= buf.length ? end + n + 2 : undefined // $bulk
  if (type !== 0x2a || n < 0) return end // +simple, -error, :integer, *-1
  for (let i = 0; i < n; i++) {
    const next = replyEnd(buf, end)
    if (next === undefined) return undefined
    end = next
  }
  return end
}

/**
 * Spawn redis-server; on Linux via `setpriv --pdeathsig KILL` so it dies even if
 * this process is SIGKILLed. The 'exit' hook covers normal exits everywhere.
 */
function spawnTracked(argv: string[], dir: string): ChildProcess {
  const bin = findOnPath('redis-server') ?? 'redis-server'
  const setpriv = findSetpriv()
  const child = setpriv === undefined
    ? spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(setpriv, ['--pdeathsig', 'KILL', bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4_000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  recentOutput.set(child, () => output.trim())
  live.set(child, dir)
  child.once('exit', () => live.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', killAllSync)
    // Vitest ends fork workers with SIGTERM, which skips 'exit': clean up, then
    // re-raise so the default action still happens unless someone else handles it.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        killAllSync()
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      })
    }
  }
  return child
}

/** SIGKILL every live server and remove its dir, synchronously (for exit/signal hooks). */
function killAllSync(): void {
  for (const [proc, tmp] of live) {
    proc.kill('SIGCONT')
    proc.kill('SIGKILL')
    rmSync(tmp, { recursive: true, force: true })
  }
  live.clear()
}

/** util-linux `setpriv` if it supports `--pdeathsig` (checked once), else undefined. */
function findSetpriv(): string | undefined {
  if (setprivPath === null) {
    const candidate = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
    const help = candidate === undefined ? '' : spawnSync(candidate, ['--help'], { encoding: 'utf8' }).stdout ?? ''
    setprivPath = help.includes('--pdeathsig') ? candidate : undefined
  }
  return setprivPath
}

/** The child's PID; throws rather than return a value `process.kill` could misuse. */
function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('redis-server was never spawned')
  return child.pid
}

/** Resolve when `child` has exited (immediately if it already has). */
function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Poll PING every 50 ms for up to 10 s; fail fast with redis-server's output if it exits. */
async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const output = recentOutput.get(child) ?? ((): string => '')
  let spawnError: Error | undefined
  child.once('error', (error) => { spawnError = error })
  const deadline = Date.now() + PING_DEADLINE_MS
  let last = ''
  while (Date.now() < deadline) {
    if (spawnError !== undefined) throw new Error(`could not spawn redis-server: ${spawnError.message}`)
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}) before answering PING:\n${output()}`)
    }
    try {
      last = await sendCommandWithTimeout(url, 500, 'PING')
      if (last.startsWith('+PONG')) return
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  throw new Error(`redis-server on ${url} did not answer PING within ${PING_DEADLINE_MS} ms (last: ${last}):\n${output()}`)
}
