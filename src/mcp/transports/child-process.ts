import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import type { JsonRpcMessage } from '../jsonrpc.js'
import type { MessageChannel } from './channel.js'
import { LineChannel } from './line-channel.js'

/** How to start a stdio MCP server. */
export interface ChildCommand {
  readonly command: string
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
}

/**
 * An MCP server run as a child process over stdio. Its stderr goes to ours, so
 * its logs stay visible; `onclose` fires when it exits, with `exitDescription`
 * saying how (code or signal) for the error the client receives.
 */
export class ChildProcessChannel implements MessageChannel {
  onmessage?: (message: JsonRpcMessage) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  exitDescription = 'not started'
  private child: ChildProcess | undefined
  private lines: LineChannel | undefined

  constructor(
    readonly spec: ChildCommand,
    /** Longest message the child may send (maxUpstreamMessageBytes). */
    private readonly maxMessageBytes: number,
  ) {}

  async start(): Promise<void> {
    const child = spawn(this.spec.command, [...this.spec.args], {
      env: this.spec.env ?? process.env,
      cwd: this.spec.cwd,
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    this.child = child
    this.exitDescription = 'running'
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    const lines = new LineChannel(child.stdout as Readable, child.stdin as Writable, { maxMessageBytes: this.maxMessageBytes, side: 'upstream' })
    lines.onmessage = (message) => this.onmessage?.(message)
    lines.onerror = (error) => this.onerror?.(error)
    this.lines = lines
    await lines.start()
    child.stdin?.on('error', () => undefined) // EPIPE after the child died; 'exit' reports it.
    child.once('exit', (code, signal) => {
      this.exitDescription = signal === null ? `exited with code ${code}` : `was killed by ${signal}`
      this.onclose?.()
    })
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.lines === undefined || this.child?.exitCode !== null) throw new Error(`the upstream ${this.exitDescription}`)
    await this.lines.send(message)
  }

  async close(): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    child.stdin?.end()
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const timer = setTimeout(() => child.kill('SIGTERM'), 2000)
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    clearTimeout(killer)
  }

  /** The child's PID, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid
  }
}
