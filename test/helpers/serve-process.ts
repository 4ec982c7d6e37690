/** Runs a process that prints its URL on its first stdout line (`mcp-cache serve`, the HTTP test server). */
import { spawn, type ChildProcess } from 'node:child_process'

/** A running HTTP process and its URL. */
export interface UrlProcess {
  readonly url: string
  /** The admin API's URL, when `serve` was given `--admin-port` (it prints that line first). */
  readonly adminUrl: string | undefined
  readonly child: ChildProcess
  stop(): Promise<void>
}

/**
 * Spawns `node args...` and waits for an `http://...` URL on stdout. Its
 * stderr goes to ours, or with `stderr: 'pipe'` to `child.stderr` for the test to read.
 */
export async function spawnWithUrl(args: readonly string[], env: Record<string, string> = {}, options: { stderr?: 'inherit' | 'pipe' } = {}): Promise<UrlProcess> {
  const child = spawn(process.execPath, [...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'] })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed within 15 s: ${out}`)), 15_000)
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      out += chunk
      const match = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1] as string)
      }
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing a URL: ${out}`)))
  })
  return {
    url,
    adminUrl: /admin (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1],
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    },
  }
}
