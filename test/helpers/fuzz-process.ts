/**
 * Watching a gateway process under fuzzing: is it alive, how much memory does
 * it hold, and did its log report an error that escaped a handler (the CLI's
 * last-resort guard keeps serving after one, so only the log shows it).
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { spawnWithUrl, type UrlProcess } from './serve-process.js'

/** Resident memory of process `pid` in bytes (VmRSS of /proc/<pid>/status); undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

/** Ids of the processes `pid` started that still run (from /proc/<pid>/task/<pid>/children); empty once it is gone. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/**
 * Ends those of `pids` that still run the test upstream (counting-server): the
 * children a gateway left behind (a failure of the suite, or a gateway killed). The
 * command line is checked first, so a pid reused since it was listed is spared.
 */
export function killUpstreams(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('counting-server')) process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

/** Log lines that mean a defect whatever the input: an error no handler answered, or listeners piling up. */
const ALARMS = /escaped its handler|MaxListenersExceededWarning|FATAL ERROR|Maximum call stack/

/**
 * Scans a log stream as it arrives and keeps only the lines that raise an
 * alarm, so a long run's warnings (one per refused message) cost no memory.
 */
export class LogWatch {
  private partial = ''
  private readonly found: string[] = []

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer | string) => {
      const lines = (this.partial + chunk.toString()).split('\n')
      this.partial = lines.pop() ?? ''
      // A line with no end in sight is cut, so one huge line cannot grow without bound.
      if (this.partial.length > 64 * 1024) this.partial = this.partial.slice(-1024)
      for (const line of lines) if (ALARMS.test(line) && this.found.length < 20) this.found.push(line.slice(0, 2_000))
    })
  }

  /** The alarming lines seen so far. */
  get alarms(): readonly string[] {
    return this.found
  }
}

/** What must hold of a gateway process after every fuzz run. */
export interface HealthLimits {
  /** Largest resident memory allowed. @default 600 MB */
  readonly maxRssBytes?: number
}

/** Throws, saying what is wrong, when `child` has exited, holds too much memory, or logged an alarm; else returns its VmRSS in bytes. */
export function assertHealthy(child: ChildProcess, log: LogWatch, limits: HealthLimits = {}): number {
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited (code ${child.exitCode}, signal ${child.signalCode}); log alarms: ${log.alarms.join(' | ')}`)
  const rss = rssBytes(child.pid as number)
  const max = limits.maxRssBytes ?? 600 * 1024 * 1024
  if (rss !== undefined && rss > max) throw new Error(`the gateway holds ${Math.round(rss / 1048576)} MB (VmRSS), over ${Math.round(max / 1048576)} MB`)
  if (log.alarms.length > 0) throw new Error(`the gateway logged: ${log.alarms.join(' | ')}`)
  return rss ?? 0
}

/** A `serve` process whose stderr is watched. */
export interface WatchedServe extends UrlProcess {
  readonly log: LogWatch
}

/** Spawns `node args...` (`mcp-cache serve ...`) as `spawnWithUrl` does, with its stderr read by a {@link LogWatch}. */
export async function spawnWatchedServe(args: readonly string[], env: Record<string, string> = {}): Promise<WatchedServe> {
  const started = await spawnWithUrl(args, env, { stderr: 'pipe' })
  return { ...started, log: new LogWatch(started.child.stderr as Readable) }
}
