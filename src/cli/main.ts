#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import { describeError, runDemo } from './demo.js'

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

function positiveInteger(value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number of milliseconds, e.g. 120')
  return number
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

program.parseAsync().catch((error: unknown) => {
  console.error(`mcp-cache: ${describeError(error)}`)
  process.exitCode = 1
})
