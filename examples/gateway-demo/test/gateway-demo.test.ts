/** `npm start` and `npm run demo` as a newcomer runs them: the launcher, the gateway, the medical-codes server and the scripted client. */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const START = join(ROOT, '.examples-build', 'gateway-demo', 'start.js')
const DEMO = join(ROOT, '.examples-build', 'gateway-demo', 'demo-client.js')
const run = promisify(execFile)

describe('npm start and npm run demo', () => {
  let launcher: ChildProcess
  let banner = ''
  beforeAll(async () => {
    // The token comes from the environment here, so the launcher writes no token file.
    launcher = spawn(process.execPath, [START], { env: { ...process.env, PORT: '0', ADMIN_PORT: '0', MCP_CACHE_ADMIN_TOKEN: 'demo-test-token-123456', LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] })
    launcher.stdout?.setEncoding('utf8')
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 20 s: ${banner}`)), 20_000)
      launcher.stdout?.on('data', (chunk: string) => {
        banner += chunk
        if (banner.includes('Stop:')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
  })
  afterAll(async () => {
    if (launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve))
      launcher.kill('SIGTERM')
      await exited
    }
  })

  const mcpUrl = () => /MCP endpoint\s+(\S+)/.exec(banner)?.[1] ?? ''

  it('prints the MCP endpoint, the dashboard and the command to try, without the token', async () => {
    expect(mcpUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    const dashboard = /dashboard\s+(\S+)/.exec(banner)?.[1] ?? ''
    expect((await fetch(dashboard)).status).toBe(200)
    expect(banner).toContain(`npm run demo -- ${mcpUrl()}`)
    expect(banner).not.toContain('demo-test-token-123456')
  })

  it('shows every scripted call turning from a miss into a hit, with the origin queried only on misses', async () => {
    const { stdout } = await run(process.execPath, [DEMO, mcpUrl()], { timeout: 30_000 })
    const rows = stdout.split('\n').filter((line) => /^\w+ \{/.test(line))
    expect(rows).toHaveLength(6)
    for (const row of rows) expect(row).toMatch(/miss\s+[\d.]+ ms\s+hit\s+[\d.]+ ms/)
    // hot_codes were warmed at start: at most 5 of the 6 first calls reach the database.
    const queries = Number(/reached the code database (\d+) times/.exec(stdout)?.[1])
    expect(queries).toBeGreaterThan(0)
    expect(queries).toBeLessThanOrEqual(5)

    const again = await run(process.execPath, [DEMO, mcpUrl()], { timeout: 30_000 })
    expect(again.stdout).toContain('reached the code database 0 times')
  })

  it('says how to start the gateway when none is running', async () => {
    const failed = await run(process.execPath, [DEMO, 'http://127.0.0.1:9/mcp'], { timeout: 30_000 }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stderr).toContain('npm start')
  })
})

describe('npm start under a process manager', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops with everything it started when npm gets ${signal}: its ports are free within 2 s`, async () => {
      // --ignore-scripts skips prestart's build (the suite runs on the built tree).
      const npm = spawn('npm', ['start', '--silent', '--ignore-scripts'], { cwd: ROOT, env: { ...process.env, PORT: '0', ADMIN_PORT: '0', MCP_CACHE_ADMIN_TOKEN: 'demo-test-token-123456', LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] })
      let banner = ''
      npm.stdout?.setEncoding('utf8')
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner within 20 s: ${banner}`)), 20_000)
        npm.stdout?.on('data', (chunk: string) => {
          banner += chunk
          if (banner.includes('Stop:')) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      const urls = [/MCP endpoint\s+(\S+)/.exec(banner)?.[1], /dashboard\s+(\S+)\/dashboard/.exec(banner)?.[1]].map((url) => new URL(url as string))
      const exited = new Promise((resolve) => npm.once('exit', resolve))
      npm.kill(signal)
      await exited
      const deadline = Date.now() + 2000
      const listening = async () => (await Promise.all(urls.map((url) => fetch(url, { signal: AbortSignal.timeout(500) }).then(() => true, () => false)))).some(Boolean)
      while ((await listening()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      expect(await listening()).toBe(false)
    })
  }
})
