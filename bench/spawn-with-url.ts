import { spawn, type ChildProcess } from 'node:child_process'

/** Starts `node args...` and resolves with the MCP URL it prints on stdout (the gateway, the HTTP test server). */
export function spawnWithUrl(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'error' } })
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(chunk.toString())
      if (match) resolve({ url: match[1] as string, child })
    })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
}
