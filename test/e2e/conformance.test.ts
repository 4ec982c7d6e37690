/**
 * Transparency, measured by the official conformance suite: every scenario
 * must pass through `mcp-cache serve` exactly when it passes against the
 * upstream directly. The one allowed difference is a gain: the gateway checks
 * Host/Origin (DNS-rebinding protection) even when the upstream does not.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureConformanceTools, runServerSuite } from '../helpers/conformance.js'
import { CLI, COUNTING_SERVER, ROOT } from '../helpers/proxy-client.js'
import { findFreePort } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js')
const LOOPBACK = join(ROOT, 'test', 'fixtures', 'force-loopback.mjs')
const STRICTER_THROUGH_GATEWAY = new Set(['dns-rebinding-protection'])

async function startEverything(): Promise<UrlProcess> {
  const port = await findFreePort()
  // server-everything prints no URL; wait for it to accept connections instead.
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, ['--import', LOOPBACK, EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' })
  const url = `http://127.0.0.1:${port}/mcp`
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await fetch(url, { method: 'GET' }).then(() => true, () => false)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, adminUrl: undefined, child, stop: async () => void child.kill() }
}

function compare(direct: Map<string, boolean>, gateway: Map<string, boolean>): string[] {
  const differences: string[] = []
  for (const [scenario, passed] of direct) {
    const through = gateway.get(scenario)
    if (through === passed) continue
    if (through === true && STRICTER_THROUGH_GATEWAY.has(scenario)) continue
    differences.push(`${scenario}: ${passed ? 'pass' : 'fail'} direct, ${through === undefined ? 'missing' : through ? 'pass' : 'fail'} through serve`)
  }
  return differences
}

for (const [name, start] of [
  ['server-everything (SDK 1.x)', startEverything],
  ['our SDK v2 test server', () => spawnWithUrl([COUNTING_SERVER, 'http', '0'])],
] as const) {
  describe(`conformance suite, ${name}`, () => {
    let upstream: UrlProcess
    let gateway: UrlProcess
    beforeAll(async () => {
      ensureConformanceTools()
      upstream = await start()
      gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url])
    }, 180_000)
    afterAll(async () => {
      await gateway?.stop()
      await upstream?.stop()
    })

    it('gives the same result for every scenario through serve as directly', () => {
      const direct = runServerSuite(upstream.url)
      const through = runServerSuite(gateway.url)
      expect(direct.size).toBeGreaterThan(20)
      expect(compare(direct, through)).toStrictEqual([])
      console.log(`${name}: ${[...direct.values()].filter(Boolean).length}/${direct.size} pass directly, ${[...through.values()].filter(Boolean).length}/${through.size} through serve`)
    }, 120_000)
  })
}
