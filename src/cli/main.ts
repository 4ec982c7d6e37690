#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander'
import { runDoctor } from './commands/doctor.js'
import { runExport, runImport } from './commands/export-import.js'
import { runWarm } from './commands/warm.js'
import { runInvalidate, type InvalidateOptions } from './commands/invalidate.js'
import { runKeys } from './commands/keys.js'
import { runStats } from './commands/stats.js'
import { runWait } from './commands/wait.js'
import { describeError, runDemo } from './demo.js'
import { packageVersion } from '../version.js'
import { runProxy, type ProxyOptions } from './proxy.js'
import { runServe, type ServeOptions } from './serve.js'
import type { EntryFilter } from './entry-filter.js'
import { MAINTENANCE_STORE_HELP, withStoreFlags, type StoreCliOptions } from './store-flags.js'

const version = packageVersion

function positiveInteger(value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number of milliseconds, e.g. 120')
  return number
}

function port(value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535 (0 picks a free one)')
  return number
}

/** The store flags of a maintenance command (doctor, keys, export ...), which works on a shared store. */
function withMaintenanceStore(command: Command): Command {
  return withStoreFlags(command, 'config file (YAML or JSON) with the cache options, or a gateway config whose cache: section has them', MAINTENANCE_STORE_HELP)
}

/** The options `proxy` and `serve` share: policy, store, admin API, audit log. */
function withGatewayOptions(command: Command): Command {
  return withStoreFlags(command, 'gateway config file (YAML or JSON): tool rules, list TTL, cache options')
    .option('--admin-port <port>', 'serve the admin API (health, stats, keys, metrics, invalidation) on this port; needs MCP_CACHE_ADMIN_TOKEN', port)
    .option('--admin-host <host>', 'address of the admin API', '127.0.0.1')
    .option('--audit-log <file>', 'append one JSON line per tool call (hashed principal and key, tool, hit/miss/bypass, ms; never arguments or results)')
    .option('--upstream-name <name>', "how errors name the upstream to clients (default: the URL's origin, or the stdio program; never the URL's path, query or credentials)")
    .option('--trust-proxy', 'rate-limit the admin API by X-Forwarded-For (only behind a reverse proxy you run; otherwise clients could pick their own address)')
}

const program = new Command()
  .name('mcp-cache')
  .description('Caching layer for MCP servers and API backends (memory by default, Redis in production).')
  .version(version)
  .showHelpAfterError()

program
  .command('demo')
  .description('show cache-aside at work against a slow origin; uses CACHE_BACKEND / REDIS_URL when set, memory otherwise')
  .option('--origin-ms <ms>', 'latency of the simulated origin', positiveInteger, 120)
  .action(async (options: { originMs: number }) => {
    await runDemo({ originMs: options.originMs })
  })

withGatewayOptions(program.command('proxy'))
  .description('run an MCP server over stdio behind the cache; drop-in for any client config with command and args')
  .usage('[options] -- <command> [args...]')
  .option('--principal <id>', 'whose user-scoped entries these are (default: MCP_CACHE_PRINCIPAL or "local")')
  .argument('<command>', 'the upstream MCP server to run')
  .argument('[args...]', 'its arguments')
  .action(async (command: string, args: string[], options: ProxyOptions) => {
    process.exitCode = await runProxy(command, args, options)
  })

withGatewayOptions(program.command('serve'))
  .description('serve the caching gateway over Streamable HTTP at /mcp, in front of an HTTP upstream or a stdio server')
  .usage('[options] (--upstream <url> | -- <command> [args...])')
  .option('--host <host>', 'address to bind; keep loopback unless a proxy in front handles TLS and auth', '127.0.0.1')
  .option('--port <port>', 'port to listen on', port, 7700)
  .option('--upstream <url>', 'a Streamable HTTP MCP server to put the cache in front of')
  .option('--principal-header <name>', 'trust this header (set by your auth proxy) to name the user, instead of hashing the caller\'s credentials')
  .option('--jwt-jwks-url <url>', 'verify bearer JWTs against this key set (with --jwt-issuer and --jwt-audience); as auth.jwt in the config')
  .option('--jwt-issuer <iss>', 'the issuer every token must name')
  .option('--jwt-audience <aud>', 'an audience every token must name (this gateway\'s resource identifier)')
  .option('--jwt-principal-claim <claim>', 'the claim that names the user (default: sub)')
  .option('--public-url <url>', 'the URL clients reach this gateway\'s /mcp at (behind a TLS proxy): the resource OAuth tokens are issued for (default: the listen address)')
  .option('--accepted-credential-ttl <duration>', 'without JWT verification, how long an HTTP upstream\'s success vouches for a caller\'s credentials; until it has accepted them, that caller gets nothing cached', '60s')
  .option('--credential-header <name...>', 'a header that carries credentials besides Authorization (x-api-key): part of who is calling, and passed to an HTTP upstream')
  .option('--max-sessions <n>', 'most client sessions at once; a new one past it closes the longest-idle (default: 1000 for an HTTP upstream, about 0.2 MB each; 16 for a stdio one, a child of about 70 MB each)', positiveInteger)
  .option('--max-sessions-per-principal <n>', 'most sessions of one caller at once; a new one past it closes that caller\'s longest-idle', positiveInteger, 8)
  .option('--allowed-host <name...>', 'Host header values to accept besides localhost (DNS-rebinding protection)')
  .argument('[command]', 'a stdio MCP server to run once per client session')
  .argument('[args...]', 'its arguments')
  .action(async (command: string | undefined, args: string[], options: ServeOptions) => {
    process.exitCode = await runServe(command, args, options)
  })

withMaintenanceStore(program.command('doctor'))
  .description("check config, connectivity, round trips, persistence, maxmemory policy and TLS (the seeds' test scripts); exit 1 on a FAIL")
  .option('--timeout <duration>', 'how long to wait for Redis', '5s')
  .option('--json', 'print the checks as JSON')
  .action(async (options: StoreCliOptions & { json?: boolean; timeout: string }) => {
    process.exitCode = await runDoctor(options)
  })

withMaintenanceStore(program.command('wait'))
  .description('wait until Redis answers (exit 0) or the timeout passes (exit 1); for startup scripts')
  .option('--timeout <duration>', 'longest wait', '60s')
  .option('--json', 'print the outcome as JSON')
  .action(async (options: StoreCliOptions & { json?: boolean; timeout: string }) => {
    process.exitCode = await runWait(options)
  })

withMaintenanceStore(program.command('stats'))
  .description("hit rate and counters: of a running gateway (--admin-url), else Redis's own")
  .option('--admin-url <url>', 'admin API of a running gateway, e.g. http://127.0.0.1:7701 (token: MCP_CACHE_ADMIN_TOKEN)')
  .option('--json', 'print JSON')
  .action(async (options: StoreCliOptions & { json?: boolean; adminUrl?: string }) => {
    process.exitCode = await runStats(options)
  })

withMaintenanceStore(program.command('keys'))
  .description('list keys of the cache namespace matching a glob, with TTL and size (SCAN; never values)')
  .argument('[pattern]', 'glob over logical keys, e.g. "patient:v1:500:*"', '*')
  .option('--limit <n>', 'most keys to list', positiveInteger, 100)
  .option('--tool <name>', "a gateway tool's cached results (every upstream and principal): what a glob over logical keys cannot reach")
  .option('--principal <id>', 'one principal\'s entries, as the gateway names it: proxy\'s --principal, h.<user> for serve --principal-header')
  .option('--json', 'print JSON')
  .action(async (pattern: string, options: StoreCliOptions & EntryFilter & { json?: boolean; limit: number }) => {
    process.exitCode = await runKeys(pattern, options)
  })

withMaintenanceStore(program.command('invalidate'))
  .description('delete entries of the cache namespace by pattern, tag or key')
  .option('--pattern <glob>', 'glob over logical keys, e.g. "experiment:exp_123*"')
  .option('--tag <tag...>', 'tags given when the entries were written')
  .option('--key <key...>', 'exact logical keys')
  .option('--tool <name>', "a gateway tool's cached results (every upstream and principal): what a glob over logical keys cannot reach")
  .option('--principal <id>', 'one principal\'s entries, as the gateway names it: proxy\'s --principal, h.<user> for serve --principal-header')
  .option('--json', 'print JSON')
  .action(async (options: InvalidateOptions) => {
    process.exitCode = await runInvalidate(options)
  })

withMaintenanceStore(program.command('warm'))
  .description('fill the cache from JSON lines: {"key","value","ttl"} written directly, or {"tool","arguments"} called through a gateway')
  .requiredOption('--from <file>', 'JSON lines file')
  .option('--gateway <url>', 'gateway to run tool lines through, e.g. http://127.0.0.1:7700/mcp (token: MCP_CACHE_WARM_TOKEN)')
  .option('--json', 'print JSON')
  .action(async (options: StoreCliOptions & { from: string; gateway?: string; json?: boolean }) => {
    process.exitCode = await runWarm(options)
  })

withMaintenanceStore(program.command('export'))
  .description('stream everything under the prefix (entries, namespaces, principals, tag sets, generations, counters) to a JSON lines file (Redis DUMP with remaining TTLs): backups, moving between servers')
  .requiredOption('--out <file>', 'file to write (created with mode 600)')
  .option('--pattern <glob>', 'only keys matching this glob over logical keys (default: everything under the prefix)')
  .option('--tool <name>', "a gateway tool's cached results (every upstream and principal): what a glob over logical keys cannot reach")
  .option('--principal <id>', 'one principal\'s entries, as the gateway names it: proxy\'s --principal, h.<user> for serve --principal-header')
  .option('--json', 'print JSON')
  .action(async (options: StoreCliOptions & EntryFilter & { out: string; json?: boolean }) => {
    process.exitCode = await runExport(options)
  })

withMaintenanceStore(program.command('import'))
  .description('restore an export into the namespace with the TTLs that remained (RESTORE ... REPLACE)')
  .requiredOption('--in <file>', 'file written by mcp-cache export')
  .option('--replace', 'import into a prefix that holds keys already (its tag sets and generations are replaced by the file\'s)')
  .option('--json', 'print JSON')
  .action(async (options: StoreCliOptions & { in: string; replace?: boolean; json?: boolean }) => {
    process.exitCode = await runImport(options)
  })

program.parseAsync().catch((error: unknown) => {
  console.error(`mcp-cache: ${describeError(error)}`)
  process.exitCode = 1
})
