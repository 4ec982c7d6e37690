/**
 * Reads what `mcp-cache proxy` writes on stdout during fuzzing: checks that
 * every line is JSON and keeps the answers of the current run by id, so a run
 * can wait for the answers it is owed.
 */
import type { Readable } from 'node:stream'
import type { RawProxy } from './raw-proxy.js'

type Message = Record<string, unknown>

/**
 * Collects the proxy's output lines. It listens ahead of `spawnRawProxy`'s own
 * reader, so a line that is not JSON is recorded here before that reader
 * throws on it.
 */
export class StdioAnswers {
  private partial = ''
  private current = new Map<unknown, Message[]>()
  /** Ids of every message since the last drain, to take them out of the RawProxy's own queue. */
  private undrained: Array<string | number | null> = []
  private readonly waiters = new Set<() => void>()
  private readonly bad: string[] = []
  /** Lines read in all. */
  lines = 0

  constructor(stdout: Readable) {
    stdout.prependListener('data', (chunk: Buffer | string) => this.receive(chunk.toString()))
  }

  /** Output lines that were not JSON. */
  get badLines(): readonly string[] {
    return this.bad
  }

  /** Forgets the answers of the previous run (late ones included). */
  startRun(): void {
    this.current = new Map()
  }

  /** The answers of this run with `id`. */
  answers(id: unknown): readonly Message[] {
    return this.current.get(id) ?? []
  }

  /** Resolves once `count` answers with `id` arrived in this run, or false at `deadline` (ms since the epoch). */
  async waitFor(id: unknown, count: number, deadline: number): Promise<boolean> {
    while (this.answers(id).length < count) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer)
          this.waiters.delete(wake)
          resolve()
        }
        const timer = setTimeout(wake, left)
        this.waiters.add(wake)
      })
    }
    return true
  }

  /**
   * Takes every message read so far out of `proxy`'s queue (which keeps all it
   * reads until `next` asks for it), so a long run holds no answers in memory.
   * Messages without an id (notifications) stay: they are few and small.
   */
  async drain(proxy: RawProxy): Promise<void> {
    for (const id of this.undrained.splice(0)) await proxy.next(id)
  }

  private receive(chunk: string): void {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) {
      this.lines++
      let message: unknown
      try {
        message = JSON.parse(line)
      } catch {
        this.bad.push(line.slice(0, 500))
        continue
      }
      const id = message !== null && typeof message === 'object' ? (message as Message)['id'] : undefined
      if (id === undefined) continue
      if (typeof id === 'string' || typeof id === 'number' || id === null) this.undrained.push(id)
      const same = this.current.get(id)
      if (same === undefined) this.current.set(id, [message as Message])
      else same.push(message as Message)
    }
    for (const wake of [...this.waiters]) wake()
  }
}
