/**
 * `npm start`: runs `mcp-cache serve` on the memory store in front of the
 * medical-codes example server, with the admin API and dashboard beside it,
 * and prints where to connect and how to try it. Runs until Ctrl-C.
 *
 * PORT (default 3000) and ADMIN_PORT (default 3001) pick the ports; 0 picks free ones.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
const CODES_SERVER = join(ROOT, '.examples-build', 'medical-codes', 'server.js')
const CODES_POLICY = join(ROOT, 'examples', 'medical-codes', 'gateway.yaml')
const TOKEN_FILE = join(ROOT, '.mcp-cache', 'admin-token')

/** The admin token: yours from MCP_CACHE_ADMIN_TOKEN, else a fresh one kept in a file only you can read (never printed). */
function adminToken(): { token: string; where: string } {
  const given = process.env['MCP_CACHE_ADMIN_TOKEN']
  if (given !== undefined && given !== '') return { token: given, where: 'MCP_CACHE_ADMIN_TOKEN' }
  const token = randomBytes(24).toString('base64url')
  mkdirSync(dirname(TOKEN_FILE), { recursive: true, mode: 0o700 })
  writeFileSync(TOKEN_FILE, `${token}\n`, { mode: 0o600 })
  return { token, where: TOKEN_FILE }
}

const { token, where } = adminToken()
const gateway = spawn(
  process.execPath,
  [CLI, 'serve', '--port', process.env['PORT'] ?? '3000', '--admin-port', process.env['ADMIN_PORT'] ?? '3001', '--store', 'memory', '--config', CODES_POLICY, '--', process.execPath, CODES_SERVER],
  { env: { ...process.env, MCP_CACHE_ADMIN_TOKEN: token, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
)

let out = ''
gateway.stdout.setEncoding('utf8')
gateway.stdout.on('data', (chunk: string) => {
  out += chunk
  const mcp = /serving (http:\/\/\S+\/mcp)/.exec(out)?.[1]
  const admin = /admin (http:\/\/\S+)/.exec(out)?.[1]
  if (mcp === undefined || admin === undefined) return
  gateway.stdout.removeAllListeners('data')
  console.log(
    [
      '',
      'mcp-cache is caching the medical-codes MCP server (memory store).',
      '',
      `  MCP endpoint   ${mcp}`,
      `  dashboard      ${admin}/dashboard   (admin token: ${where})`,
      `  metrics        ${admin}/metrics`,
      '',
      `Try it:  npm run demo${mcp === 'http://127.0.0.1:3000/mcp' ? '' : ` -- ${mcp}`}   (in another terminal: misses turn into hits)`,
      'Stop:    Ctrl-C',
      '',
    ].join('\n'),
  )
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => gateway.kill(signal))
gateway.on('exit', (code) => {
  if (code !== 0 && !out.includes('serving')) console.error(`mcp-cache serve exited with ${code}; is port ${process.env['PORT'] ?? '3000'} or ${process.env['ADMIN_PORT'] ?? '3001'} in use? Set PORT and ADMIN_PORT.`)
  process.exit(code ?? 0)
})
