/**
 * Several instances with a tiered cache on one Redis, each its own process
 * (test/fixtures/tiered-worker.mjs), driven over IPC: what many gateway
 * replicas behind a load balancer look like to the cache.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const WORKER = fileURLToPath(new URL('../fixtures/tiered-worker.mjs', import.meta.url))

/** A request to one instance; see the worker for what each op does. */
export type FleetRequest =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: unknown; tag?: string }
  | { op: 'delete'; key: string }
  | { op: 'invalidateTag'; tag: string }
  | { op: 'watch'; key: string; expect: unknown; timeoutMs?: number }
  | { op: 'health' }

/** What an instance answers: a value, or the time (ms, comparable across processes) something happened. */
export interface FleetReply {
  value?: unknown
  at?: number
  timedOut?: boolean
  last?: unknown
}

/** One instance of the fleet. */
export class FleetInstance {
  private nextId = 0
  private readonly waiting = new Map<number, { resolve: (reply: FleetReply) => void; reject: (error: Error) => void }>()

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FleetReply & { id?: number; error?: string }) => {
      const pending = message.id === undefined ? undefined : this.waiting.get(message.id)
      if (pending === undefined || message.id === undefined) return
      this.waiting.delete(message.id)
      if (message.error !== undefined) pending.reject(new Error(message.error))
      else pending.resolve(message)
    })
    child.once('exit', () => {
      for (const pending of this.waiting.values()) pending.reject(new Error('the instance exited'))
      this.waiting.clear()
    })
  }

  /** Starts an instance and resolves once its cache is ready and its bus in sync. */
  static async start(redisUrl: string, prefix: string, heartbeatMs: number): Promise<FleetInstance> {
    const child = fork(WORKER, [redisUrl, prefix, String(heartbeatMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('a fleet instance did not become ready within 10 s')), 10_000)
      child.once('message', () => {
        clearTimeout(timer)
        resolve()
      })
      child.once('exit', (code) => reject(new Error(`a fleet instance exited (${code}) before it was ready`)))
    })
    return new FleetInstance(child)
  }

  request(request: FleetRequest): Promise<FleetReply> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.child.send({ id, ...request })
    })
  }

  /** Closes its cache and waits for the process to end (killing it after 2 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.send({ id: -1, op: 'close' })
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000)
    await exited
    clearTimeout(timer)
  }
}
