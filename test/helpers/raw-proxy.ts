/** Drives `mcp-cache proxy` with raw JSON-RPC lines, for what an SDK client would never send. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { CLI } from './proxy-client.js'

/** A proxy process with line-level access to its stdin and stdout. */
export interface RawProxy {
  readonly child: ChildProcessWithoutNullStreams
  /** Writes one raw line (a newline is added). */
  write(line: string): void
  /** Resolves with the next message whose id is `id` (or any error with a null id when `id` is null). */
  next(id: string | number | null, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  stderr(): string
}

/** Spawns the proxy with `args` (gateway flags, `--`, upstream command). */
export function spawnRawProxy(args: readonly string[], env: Record<string, string> = {}): RawProxy {
  const child = spawn(process.execPath, [CLI, 'proxy', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } })
  const messages: Array<Record<string, unknown>> = []
  const waiters: Array<() => void> = []
  let buffer = ''
  let errors = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline !== -1) {
      messages.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>)
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
    for (const wake of waiters.splice(0)) wake()
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => (errors += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    stderr: () => errors,
    write: (line) => child.stdin.write(`${line}\n`),
    next: async (id, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const index = messages.findIndex((message) => message['id'] === id)
        if (index !== -1) return messages.splice(index, 1)[0] as Record<string, unknown>
        if (Date.now() > deadline) throw new Error(`no message with id ${String(id)} within ${timeoutMs} ms; stderr: ${errors}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
    },
  }
}

/** The `initialize` request of a 2025-11-25 client. */
export function initializeLine(id: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-test', version: '1.0.0' } },
  })
}
